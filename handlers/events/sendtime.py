"""Event messages held back at send time, when what they say is no longer true.

An announcement still queued when its event is cancelled or has started, a
reminder for a time the event has moved from or for someone no longer going,
a promotion given up since, feedback asked of someone no longer marked as there:
each is skipped, with its reason, and shows as skipped in the ledger.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.events.common import BROADCAST, FEEDBACK, PROMOTED, REMINDER_DAY, REMINDER_HOUR
from handlers.events.reminders import start_stamp
from handlers.events.router import router
from store.events import queries as store
from store.models import OutboxMessage

CHECKED = {BROADCAST, REMINDER_DAY, REMINDER_HOUR, PROMOTED, FEEDBACK}


@router.send_check
async def no_longer_true(session: AsyncSession, row: OutboxMessage) -> str | None:
    if row.kind not in CHECKED:
        return None
    parts = row.key.split(":")
    event_id = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
    event = await store.event_in_batch(session, event_id)
    if event is None:
        return "the event no longer exists"
    if event.status == "cancelled":
        return "the event was cancelled"
    if row.kind in (BROADCAST, REMINDER_DAY, REMINDER_HOUR) and event.starts_at <= row.due_at:
        return "the event had started"
    if row.kind in (REMINDER_DAY, REMINDER_HOUR) and parts[-1] != start_stamp(event):
        return "the event moved to another time"
    if row.kind in (REMINDER_DAY, REMINDER_HOUR, PROMOTED) and row.member_id is not None:
        mine = await store.rsvp_of(session, event.id, row.member_id)
        if mine is None or mine.answer != "going":
            return "they are no longer going"
    if row.kind == FEEDBACK and row.member_id is not None:
        if await store.attendance_of(session, event.id, row.member_id) is None:
            return "they are no longer marked as attending"
    return None
