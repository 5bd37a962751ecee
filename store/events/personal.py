"""What events hold about one member: exported for them, and the answers an erasure
gives up. Attendance and the delivery ledger stay, pointing at the tombstone: they
are counts an institution reports. Feedback is anonymous: only whether it was given."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.events.models import (
    Event,
    EventAttendance,
    EventDelivery,
    EventFeedbackReceipt,
    EventRsvp,
)

TABLES = (
    "events",
    "event_rsvps",
    "event_deliveries",
    "event_attendance",
    "event_feedback_receipts",
)


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    answers = await session.execute(
        select(Event.title, Event.starts_at, EventRsvp.answer, EventRsvp.answered_at)
        .join(Event, Event.id == EventRsvp.event_id)
        .where(EventRsvp.member_id == member_id)
        .order_by(Event.starts_at)
    )
    came = await session.execute(
        select(Event.title, Event.starts_at, EventAttendance.how)
        .join(Event, Event.id == EventAttendance.event_id)
        .where(EventAttendance.member_id == member_id)
        .order_by(Event.starts_at)
    )
    gave = await session.scalars(
        select(Event.title)
        .join(EventFeedbackReceipt, EventFeedbackReceipt.event_id == Event.id)
        .where(EventFeedbackReceipt.member_id == member_id)
        .order_by(Event.starts_at)
    )
    organised = await session.execute(
        select(Event.title, Event.starts_at, Event.status)
        .where(Event.champion_id == member_id)
        .order_by(Event.starts_at)
    )
    told = await session.scalar(
        select(func.count()).select_from(EventDelivery).where(EventDelivery.member_id == member_id)
    )
    return {
        "answers": [
            {"event": t, "starts_at": s.isoformat(), "answer": a, "answered_at": at.isoformat()}
            for t, s, a, at in answers
        ],
        "attended": [
            {"event": t, "starts_at": s.isoformat(), "recorded_by": how} for t, s, how in came
        ],
        # Where you gave feedback; what you said is anonymous and not linked to you.
        "anonymous_feedback_given": list(gave),
        "organised": [
            {"event": t, "starts_at": s.isoformat(), "status": status} for t, s, status in organised
        ],
        "announcements_received": told or 0,
    }


async def upcoming_places(session: AsyncSession, member_id: int, now: datetime) -> list[Event]:
    """Events not yet started where the member holds a place or a waitlist spot."""
    return list(
        await session.scalars(
            select(Event)
            .join(EventRsvp, EventRsvp.event_id == Event.id)
            .where(
                EventRsvp.member_id == member_id,
                EventRsvp.answer.in_(("going", "waitlist", "maybe")),
                Event.starts_at > now,
            )
            .order_by(Event.id)
        )
    )
