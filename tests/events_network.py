"""A small network for the events scenarios: institutions, members on several platforms,
and an announcement made through the real form and Send button."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from bot.harness import Harness, Turn
from store.events import queries as store
from store.events.models import Event
from store.members import grant_role
from store.models import Institution, Member, OutboxMessage, PlatformIdentity

DAY = "2026-03-10"  # a Tuesday; the tests' clock is Monday 2 March 2026, 10:00 UTC


async def place(harness: Harness, short: str) -> int:
    async with harness.runtime.sessions() as session, session.begin():
        institution = Institution(short_name=short, name=f"University of {short.title()}")
        session.add(institution)
        await session.flush()
        return institution.id


async def person(
    harness: Harness,
    handle: str,
    *,
    institution: int | None = None,
    specialisms: Sequence[str] = (),
    platforms: Sequence[str] = ("console",),
    roles: Sequence[str] = (),
    timezone: str | None = None,
) -> int:
    """A member with one identity per platform; on the console their handle is their id,
    so `harness.say(handle, ...)` speaks as them."""
    now = harness.runtime.clock.now()
    async with harness.runtime.sessions() as session, session.begin():
        member = Member(
            display_name=handle.title(),
            institution_id=institution,
            specialisms=list(specialisms),
            timezone=timezone,
            created_at=now,
            updated_at=now,
        )
        session.add(member)
        await session.flush()
        for platform in platforms:
            workspace = "local" if platform == "console" else f"{platform}-1"
            session.add(
                PlatformIdentity(
                    member_id=member.id,
                    platform=platform,
                    workspace=workspace,
                    user_id=handle if platform == "console" else f"{platform}-{handle}",
                    created_at=now,
                )
            )
        for role in roles:
            await grant_role(session, member.id, role, now)
        return member.id


def event_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "Proteomics facility tour",
        "description": "From sample preparation to Orbitrap data.",
        "day": DAY,
        "starts": "14:00",
        "ends": "16:00",
        "location": "Proteomics Facility, Level 2",
        "online_url": "",
        "capacity": "",
        "deadline": "",
        "audience": "network",
        "interests": "",
    }
    fields.update(changes)
    return fields


async def draft(harness: Harness, champion: str, **changes: Any) -> Turn:
    """The form submitted: a preview with Send, Edit and Discard (or the form's errors)."""
    opened = await harness.say(champion, "event new")
    assert opened.form is not None, opened.text
    return await harness.submit(champion, opened.form, event_fields(**changes))


async def announce(harness: Harness, champion: str, **changes: Any) -> Event:
    """Announce an event through the form and the Send button; returns the sent event."""
    preview = await draft(harness, champion, **changes)
    assert not preview.errors, preview.errors
    sent = await harness.press(champion, preview.button("Send"))
    assert "Sent!" in sent.text, sent.text
    return await latest_event(harness)


async def latest_event(harness: Harness) -> Event:
    async with harness.runtime.sessions() as session:
        found = await session.scalar(select(Event).order_by(Event.id.desc()))
        assert found is not None
        return found


async def reload(harness: Harness, event_id: int) -> Event:
    async with harness.runtime.sessions() as session:
        found = await store.event(session, event_id)
        assert found is not None
        return found


async def rows(harness: Harness, prefix: str) -> list[OutboxMessage]:
    async with harness.runtime.sessions() as session:
        found = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.key.startswith(prefix))
            .order_by(OutboxMessage.id)
        )
        return list(found)


async def member_ids(harness: Harness, prefix: str) -> list[int]:
    return sorted(row.member_id for row in await rows(harness, prefix) if row.member_id)


async def rsvp(harness: Harness, handle: str, event: Event, answer: str) -> Turn:
    return await harness.press(handle, "event.rsvp", f"{event.id}:{answer}")
