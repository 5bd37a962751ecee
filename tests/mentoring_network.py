"""A small mentoring network for the mentoring scenarios, built through the real forms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.harness import Harness, Turn
from store.members import member_by_handle
from store.mentoring.models import Relationship, Scheme
from store.models import Institution, Member, OutboxMessage
from tests.helpers import make_member

PLACES = ("northmoor", "calderbridge", "easterby")


async def network(harness: Harness, coordinator: str = "morgan") -> dict[str, int]:
    """Three institutions and one open, self-select scheme run by `coordinator`."""
    now = harness.runtime.clock.now()
    coordinator_id = await make_member(harness, coordinator)
    async with harness.runtime.sessions() as session, session.begin():
        ids = {}
        for short in PLACES:
            place = Institution(short_name=short, name=f"University of {short.title()}")
            session.add(place)
            await session.flush()
            ids[short] = place.id
        scheme = Scheme(
            name="Cross-Institutional Mentoring Scheme",
            short_name="cims",
            coordinator_id=coordinator_id,
            opens_on=(now - timedelta(days=7)).date(),
            closes_on=(now + timedelta(days=60)).date(),
            request_days=3,
            created_at=now,
        )
        session.add(scheme)
        await session.flush()
        ids["scheme"] = scheme.id
    return ids


async def join(harness: Harness, handle: str, place: int | None, role: str, **fields: Any) -> Turn:
    """A member with an institution and a mentoring profile saved through `mentor profile`."""
    member_id = await make_member(harness, handle)
    async with harness.runtime.sessions() as session, session.begin():
        member = await session.get(Member, member_id)
        assert member is not None
        member.institution_id = place
        member.job_title = fields.pop("job_title", "Technician")
    submitted = {
        "role": role,
        "format": "either",
        "capacity": "2" if role != "mentee" else "",
        "prefer_other_institution": True,
        **fields,
    }
    turn = await harness.submit(handle, "mentor.profile", submitted)
    assert "Mentoring profile saved" in turn.text, turn.text + str(turn.errors)
    return turn


async def ask(harness: Harness, mentee: str, mentor: str, hope: str = "LC-MS methods.") -> str:
    """The mentee presses Request on the mentor and sends the form; the reply's text."""
    turn = await harness.press(mentee, "mentor.request", str(await member_id(harness, mentor)))
    assert turn.form is not None, f"no request form: {turn.text}"
    return (await harness.submit(mentee, turn.form, {"message": hope})).text


async def accept(harness: Harness, mentor: str) -> str:
    """The mentor presses Accept on the request `mentor status` shows them."""
    card = (await harness.say(mentor, "mentor status")).button("Accept")
    return (await harness.press(mentor, card)).text


async def member_id(harness: Harness, handle: str) -> int:
    async with harness.runtime.sessions() as session:
        member = await member_by_handle(session, handle)
        assert member is not None
        return member.id


async def outbox_for(harness: Harness, handle: str, prefix: str = "") -> list[OutboxMessage]:
    who = await member_id(harness, handle)
    async with harness.runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.member_id == who, OutboxMessage.key.startswith(prefix))
            .order_by(OutboxMessage.id)
        )
        return list(rows)


def text_of(row: OutboxMessage) -> str:
    return str(row.payload["text"])


def buttons_of(row: OutboxMessage) -> list[dict[str, Any]]:
    found = []
    for block in row.payload["blocks"]:
        found += block.get("buttons", [])
        if block.get("button"):
            found.append(block["button"])
    return found


async def paired(harness: Harness) -> int:
    """Priya (mentee, Northmoor) and Farah (mentor, Calderbridge), accepted; the id."""
    ids = await network(harness)
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    await join(harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms", capacity="1")
    await ask(harness, "priya", "farah", "RSciTech")
    await accept(harness, "farah")
    async with harness.runtime.sessions() as session:
        relationship = await session.scalar(select(Relationship))
        assert relationship is not None
        return relationship.id
