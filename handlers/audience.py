"""Choosing who hears about something: the part of a form that picks the audience.

Events use it for announcements; any feature that announces (a nomination drive, a
pulse survey) puts the same inputs in its form and reads them back the same way, and
`store/audience.py` turns the choice into the members and channels it reaches. The
choice is a plain dict kept on the feature's row:
`{"network": bool, "institutions": [ids], "interests": [words], "roles": [names],
"channels": [ids]}` (roles only where the feature asks for them, e.g. pulse surveys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.ui import Input, Option
from handlers.text import one_line, plural
from store import audience as reach
from store.members import institutions as all_institutions

MAX_INTERESTS = 20
AUDIENCES = [
    Option(label="Everyone in the network", value="network"),
    Option(label="Only the institutions and interests chosen below", value="chosen"),
]


ROLE_NAMES = {
    reach.TECHNICIAN: "technicians",
    "champion": "champions",
    "coordinator": "coordinators",
    "admin": "admins",
}
ROLE_OPTIONS = [
    Option(label="Technicians (no network role)", value=reach.TECHNICIAN),
    Option(label="Champions", value="champion"),
    Option(label="Coordinators", value="coordinator"),
    Option(label="Admins", value="admin"),
]


async def audience_inputs(
    session: AsyncSession, chosen: dict[str, Any], *, new: bool = True, roles: bool = False
) -> list[Input]:
    """The inputs: everyone or chosen; institutions; specialisms; channels to post in.
    `chosen` fills them in when editing (`new=False`)."""
    places = await all_institutions(session)
    channels = await reach.channels(session)
    inputs = [
        Input(
            name="audience",
            label="Who should hear about it?",
            kind="select",
            options=AUDIENCES,
            initial="network" if new or chosen.get("network") else "chosen",
        )
    ]
    if places:
        inputs.append(
            Input(
                name="institutions",
                label="Institutions",
                kind="multi_select",
                required=False,
                options=[Option(label=p.name, value=str(p.id)) for p in places],
                initial=[str(i) for i in chosen.get("institutions") or []] or None,
            )
        )
    inputs.append(
        Input(
            name="interests",
            label="Specialisms or interests",
            required=False,
            max_length=600,
            placeholder="mass spectrometry, microscopy",
            hint="Separate with commas. With institutions too, people must match both.",
            initial=", ".join(chosen.get("interests") or []) or None,
        )
    )
    if roles:
        inputs.append(
            Input(
                name="roles",
                label="Roles",
                kind="multi_select",
                required=False,
                options=ROLE_OPTIONS,
                hint="With institutions or interests too, people must match each.",
                initial=list(chosen.get("roles") or []) or None,
            )
        )
    if channels:
        inputs.append(
            Input(
                name="channels",
                label="Also post in these channels",
                kind="multi_select",
                required=False,
                options=[
                    Option(label=channel_label(c.name, c.platform), value=str(c.id))
                    for c in channels
                ],
                initial=[str(i) for i in chosen.get("channels") or []] or None,
            )
        )
    return inputs


def channel_label(name: str, platform: str) -> str:
    return f"#{name or 'unnamed'} ({platform.title()})"


def parse_audience(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The choice from checked form values; a friendly error in `errors` if it is empty."""
    interests = [one_line(i)[:60] for i in (values.get("interests") or "").split(",") if i.strip()]
    if len(interests) > MAX_INTERESTS:
        errors["interests"] = f"Please list at most {MAX_INTERESTS}."
    institutions = [int(i) for i in values.get("institutions") or []]
    channels = [int(i) for i in values.get("channels") or []]
    roles = [r for r in values.get("roles") or [] if r in reach.NETWORK_ROLES]
    network = values.get("audience") == "network"
    if not network and not (institutions or interests or roles or channels):
        errors["audience"] = (
            "Choose at least one institution, interest or channel below — or everyone."
        )
    chosen = {
        "network": network,
        "institutions": [] if network else institutions,
        "interests": [] if network else interests,
        "channels": channels,
    }
    if roles and not network:
        chosen["roles"] = roles
    return chosen


# --- the preview's line: how many it reaches, and who ------------------------------------


@dataclass(frozen=True)
class Reach:
    members: int
    channels: list[str]

    def words(self) -> str:
        people = plural(self.members, "person", "people")
        if not self.channels:
            return people
        return f"{people} and {plural(len(self.channels), 'channel')}"


async def reach_of(session: AsyncSession, chosen: dict[str, Any]) -> Reach:
    members = await reach.audience(session, chosen)
    channels = await reach.channels(session, chosen.get("channels") or [])
    return Reach(len(members), [channel_label(c.name, c.platform) for c in channels])


async def audience_words(session: AsyncSession, chosen: dict[str, Any]) -> str:
    """ "everyone in the network", or the institutions and interests chosen."""
    if chosen.get("network"):
        return "everyone in the network"
    parts = []
    if chosen.get("institutions"):
        parts.append(", ".join(await reach.institution_names(session, chosen["institutions"])))
    if chosen.get("interests"):
        parts.append("interested in " + ", ".join(chosen["interests"]))
    if chosen.get("roles"):
        parts.append(", ".join(ROLE_NAMES.get(r, r) for r in chosen["roles"]))
    return " · ".join(parts) or "channels only"
