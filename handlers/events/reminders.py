"""The events tick: remind everyone going a day and an hour before, in their own timezone.

One indexed query per kind finds the events due a reminder; each event's
reminders are queued with unique keys and the event marked, in one transaction,
so re-running a tick (or two workers running it) reminds nobody twice. A
reminder's key carries the start time it was for: if the event moves, the old
one is held back at send time (handlers/events/sendtime.py) and a new one goes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.outbox import Queued
from bot.runtime import Runtime
from bot.settings import Settings
from bot.ui import Message
from handlers.events.card import notice
from handlers.events.common import REMINDER_DAY, REMINDER_HOUR, ByZone, at_where, when
from handlers.events.feedback import seal_closed
from handlers.events.router import router
from store.events import queries as store
from store.events.models import Event

# Never "tomorrow": a reminder held back by quiet hours may arrive on another day.
SOON = {REMINDER_DAY: "coming up", REMINDER_HOUR: "starting soon"}
# (kind, how long before the start, the event's column marking it done)
KINDS = (
    (REMINDER_DAY, timedelta(hours=24), "reminded_day_at"),
    (REMINDER_HOUR, timedelta(hours=1), "reminded_hour_at"),
)


@router.job("events", every=timedelta(minutes=1))
async def tick(runtime: Runtime, now: datetime) -> int:
    queued = 0
    for kind, ahead, column in KINDS:
        async with runtime.sessions() as session, session.begin():
            for event in await store.due_reminders(session, column, now + ahead, now):
                setattr(event, column, now)
                # Just announced? The announcement itself was the reminder.
                if event.sent_at and event.sent_at > event.starts_at - ahead:
                    continue
                queued += await remind(session, runtime.settings, event, kind, now)
    async with runtime.sessions() as session, session.begin():
        await seal_closed(session, now)  # feedback windows that have closed
    return queued


def start_stamp(event: Event) -> str:
    return f"{event.starts_at:%Y%m%dT%H%M}"


async def remind(
    session: AsyncSession, settings: Settings, event: Event, kind: str, now: datetime
) -> int:
    def reminder(zone: ZoneInfo) -> Message:
        text = (
            f"Reminder: “{event.title}” is {SOON[kind]} — {when(event, zone)}, "
            f"{at_where(event)}. If you can't make it now, press Can't go so your place goes "
            "to someone waiting."
        )
        return notice(event, settings, text, "not_going", online=True)

    message_for = ByZone(settings, reminder)
    queued = [
        Queued(
            f"{kind}:{event.id}:{member_id}:{start_stamp(event)}",
            kind,
            message_for(zone_name),
            member_id=member_id,
        )
        for member_id, zone_name in await store.answered_by(session, event.id, ("going",))
    ]
    return await outbox.enqueue_many(session, queued, now)
