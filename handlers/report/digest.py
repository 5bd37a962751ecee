"""The monthly digest: early each month, each institution's leads hear last month in five
numbers, each beside the month before, with a button to the full report.

Sent through the outbox, keyed per lead and month, so running the tick again (or on two
workers) sends nobody a second copy; quiet hours and pauses apply when it is delivered.
A lead named after the first week waits for the next month's digest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import outbox
from bot.runtime import Runtime
from bot.ui import Actions, Button, Fields, Heading, Hint, Message
from handlers.report.access import LEAD, Scope
from handlers.report.router import router
from handlers.report.show import OPEN, button_value
from handlers.report.words import value
from store.members import holders
from store.models import Institution, Member
from store.report import digest
from store.report.figures import Figure
from store.report.period import Period
from store.report.sql import Windows

KIND = "report.digest"
FIRST_WEEK = 7


@router.job(KIND, every=timedelta(hours=1))
async def send_digests(runtime: Runtime, now: datetime) -> int:
    zone = ZoneInfo(runtime.settings.benchmate_timezone)
    today = now.astimezone(zone).date()
    if today.day > FIRST_WEEK:
        return 0
    month = Period.month_before(today)
    async with runtime.sessions() as session, session.begin():
        leads = [(m, i) for m, i in await holders(session, LEAD) if i is not None]
        keys = {key_for(month, member): (member, place) for member, place in leads}
        sent = await outbox.queued_keys(session, keys)
        waiting = {key: lead for key, lead in keys.items() if key not in sent}
        if not waiting:
            return 0
        w = Windows.of(month, zone, now, None, session.get_bind().dialect.name)
        found = await digest.numbers(session, w)
        queued = 0
        for key, (member, place) in waiting.items():
            queued += await outbox.enqueue(
                session,
                key=key,
                kind=KIND,
                message=message(month, place, found.get(place.id, {})),
                now=now,
                member_id=member.id,
            )
        return queued


def key_for(month: Period, member: Member) -> str:
    return f"{KIND}:{month.start:%Y-%m}:{member.id}"


def message(month: Period, place: Institution, numbers: dict[str, dict[str, float]]) -> Message:
    before = month.previous()
    title = f"{place.name} in {month.label()}"
    figures = [
        Figure(
            measure,
            numbers.get(measure, {}).get("now", 0),
            numbers.get(measure, {}).get("before", 0),
            "",
        )
        for measure in digest.MEASURES
    ]
    pairs = [(figure.label, value(figure)) for figure in figures]
    lines = [title, *(f"  {label}: {shown}" for label, shown in pairs)]
    return Message(
        text="\n".join(lines),
        blocks=[
            Heading(text=title),
            Fields(pairs=pairs),
            Hint(text=f"Beside each: {before.label()}. You get this as lead for {place.name}."),
            Actions(
                buttons=[
                    Button(
                        label="Open the full report",
                        action_id=OPEN,
                        value=button_value(month, Scope(place)),
                        style="primary",
                    )
                ]
            ),
        ],
    )
