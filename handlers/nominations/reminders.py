"""Reminders by the clock: members who have not nominated hear at most twice as the
internal deadline nears (a week before, then two days before); the panel hears when
reviewing opens and, if they still have nominations to score, two days before it ends.

Each reminder is marked on the drive and queued with a unique key in one transaction,
so a re-run tick or a second worker reminds nobody twice. Reminders wait for office
hours in each member's timezone, and a member's pause, like any proactive message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.outbox import Queued
from bot.quiet_hours import zone_named
from bot.runtime import Runtime
from bot.settings import Settings
from bot.ui import Actions, Button, Message, Section
from handlers.nominations.common import REMIND, REVIEW, day
from handlers.nominations.router import router
from handlers.text import plural
from store import audience as reach
from store.nominations import queries as store
from store.nominations.models import Drive
from store.types import RawJSON

# (how long before the internal deadline, the drive's column marking it done): at most two.
NUDGES = ((timedelta(days=7), "reminded_first_at"), (timedelta(days=2), "reminded_last_at"))
PANEL_DUE = timedelta(days=2)


@router.job("nominations.reminders", every=timedelta(minutes=5))
async def tick(runtime: Runtime, now: datetime) -> int:
    queued = 0
    async with runtime.sessions() as session, session.begin():
        for drive in await store.drives_in_progress(session, now):
            queued += await nominators(session, runtime.settings, drive, now)
            queued += await panel(session, drive, now)
    return queued


async def nominators(session: AsyncSession, settings: Settings, drive: Drive, now: datetime) -> int:
    due = [
        (number, column)
        for number, (ahead, column) in enumerate(NUDGES, start=1)
        if getattr(drive, column) is None
        and now >= drive.internal_deadline - ahead
        and now < drive.internal_deadline
    ]
    if not due:
        return 0
    for _, column in due:
        setattr(drive, column, now)
    number, column = due[-1]  # two due at once (a late announcement): only the later one
    ahead = NUDGES[number - 1][0]
    if drive.announced_at and drive.announced_at > drive.internal_deadline - ahead:
        return 0  # just announced: the announcement was the reminder
    done = await store.nominated_anyone(session, drive.id)
    built: dict[str, RawJSON] = {}

    def message_for(zone_name: str | None) -> RawJSON:
        zone = zone_named(zone_name, settings.benchmate_timezone)
        if zone.key not in built:
            text = (
                f"Nominations for {drive.title} close on {day(drive.internal_deadline, zone)}. "
                "Is there a colleague whose work deserves to be seen? A few words from you "
                "could be the recognition they never expected."
            )
            button = Button(
                label="Nominate a colleague",
                action_id="nominate.start",
                value=str(drive.id),
                style="primary",
            )
            built[zone.key] = RawJSON(
                Message(
                    text=text, blocks=[Section(text=text), Actions(buttons=[button])]
                ).model_dump_json()
            )
        return built[zone.key]

    queued = [
        Queued(
            f"{REMIND}:{drive.id}:{m.member_id}:{number}",
            REMIND,
            message_for(m.timezone),
            member_id=m.member_id,
        )
        for m in await reach.audience(session, drive.audience)
        if m.member_id not in done
    ]
    return await outbox.enqueue_many(session, queued, now)


async def panel(session: AsyncSession, drive: Drive, now: datetime) -> int:
    if now < drive.internal_deadline:
        return 0
    if drive.review_opened_at is None:
        drive.review_opened_at, stage = now, "open"
    elif drive.reminded_panel_at is None and now >= drive.review_until - PANEL_DUE:
        drive.reminded_panel_at, stage = now, "due"
    else:
        return 0
    queued = []
    for member_id, left in (await store.unscored_counts(session, drive.id)).items():
        if not left:
            continue
        text = (
            f"Reviewing is open for {drive.title}: {plural(len(left), 'nomination')} to score."
            if stage == "open"
            else f"A reminder: {plural(len(left), 'nomination')} for {drive.title} still to "
            "score, and the review closes in two days."
        )
        button = Button(label="My reviews", action_id="nominate.reviews", style="primary")
        message = Message(blocks=[Section(text=text), Actions(buttons=[button])])
        queued.append(
            Queued(f"{REVIEW}:{drive.id}:{member_id}:{stage}", REVIEW, message, member_id=member_id)
        )
    return await outbox.enqueue_many(session, queued, now)
