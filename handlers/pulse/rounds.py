"""Rounds by the clock: the pulse tick opens each round when it is due (queueing the
invitations), reminds those who have not answered on the chosen days, shuffles the
answers written since the last tick, and seals each round when it closes.

What is due lives in the database (a round's status, the reminder days done), every
outbox row has a unique key, and due rounds are taken FOR UPDATE SKIP LOCKED, so a
re-run tick or two workers at once invite and remind nobody twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.outbox import Queued
from bot.runtime import Runtime
from bot.settings import Settings
from bot.ui import Actions, Button, Hint, Message, Section
from handlers.pulse.common import ANONYMOUS, INVITE, REMIND, day, invitation, zone_of
from handlers.pulse.router import router
from store.audience import audience
from store.audience import channels as all_channels
from store.pulse import queries as store
from store.pulse.models import PulseRound, PulseSurvey
from store.types import RawJSON


@dataclass(frozen=True)
class Opened:
    """Rounds just opened: how many people they ask, and the invitations to queue."""

    invited: int
    messages: list[Queued]


class PerZone:
    """One message per reader's timezone, serialised once for everyone in it."""

    def __init__(self, settings: Settings, build: Callable[[ZoneInfo], Message]) -> None:
        self.settings, self.build = settings, build
        self.built: dict[str, RawJSON] = {}

    def __call__(self, zone_name: str | None) -> RawJSON:
        zone = zone_of(self.settings, zone_name)
        if zone.key not in self.built:
            self.built[zone.key] = RawJSON(self.build(zone).model_dump_json())
        return self.built[zone.key]


@router.job("pulse", every=timedelta(minutes=1))
async def tick(runtime: Runtime, now: datetime) -> int:
    done = 0
    async with runtime.sessions() as session, session.begin():
        opened = await open_due(session, runtime.settings, now)
        done += await outbox.enqueue_many(session, opened.messages, now)
    async with runtime.sessions() as session, session.begin():
        done += await remind_due(session, runtime.settings, now)
    async with runtime.sessions() as session, session.begin():
        await settle(session)
    async with runtime.sessions() as session, session.begin():
        done += await close_due(session, now)
    return done


# --- opening ----------------------------------------------------------------------------


async def open_due(
    session: AsyncSession, settings: Settings, now: datetime, survey_id: int | None = None
) -> Opened:
    """Open every round whose time has come (only `survey_id`'s when given): the
    invitations come back for the caller to queue in the same transaction."""
    invited = 0
    messages: list[Queued] = []
    for found in await store.due_to_open(session, now):
        if survey_id is not None and found.survey_id != survey_id:
            continue
        survey = await store.survey(session, found.survey_id)
        assert survey is not None
        reach = await audience(session, survey.audience)
        await store.open_round(session, found, len(reach))
        card = PerZone(settings, partial(invitation, survey, found))
        rows = [
            Queued(
                f"{INVITE}:{found.id}:{m.member_id}",
                INVITE,
                card(m.timezone),
                member_id=m.member_id,
            )
            for m in reach
        ]
        rows += [
            Queued(f"{INVITE}:{found.id}:c{c.id}", INVITE, card(None), channel_id=c.id)
            for c in await all_channels(session, survey.audience.get("channels") or [])
        ]
        messages += rows
        invited += len(reach)
    return Opened(invited, messages)


# --- reminding ------------------------------------------------------------------------


def reminder(survey: PulseSurvey, found: PulseRound, zone: ZoneInfo) -> Message:
    text = (
        f"A gentle reminder: “{survey.title}” is open until {day(found.closes_at, zone)}, and "
        "it takes only a couple of minutes. If you've already answered, thank you — you "
        "won't hear about this round again."
    )
    return Message(
        text=text,
        blocks=[
            Section(text=text),
            Hint(text=ANONYMOUS),
            Actions(
                buttons=[
                    Button(
                        label="Answer",
                        action_id="pulse.answer",
                        value=str(found.id),
                        style="primary",
                    )
                ]
            ),
        ],
    )


async def remind_due(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """On each reminder day, those in the audience with no receipt for the round, once."""
    queued = 0
    for found, survey in await store.open_rounds(session):
        due = [
            n
            for n in survey.reminder_days
            if n not in found.reminded and found.opens_at + timedelta(days=n) <= now
        ]
        if not due:
            continue
        found.reminded = sorted({*found.reminded, *due})
        if found.closes_at <= now:
            continue
        reach = await audience(session, survey.audience)
        done = await store.answered(session, found.id, [m.member_id for m in reach])
        message = PerZone(settings, partial(reminder, survey, found))
        rows = [
            Queued(
                f"{REMIND}:{found.id}:{max(due)}:{m.member_id}",
                REMIND,
                message(m.timezone),
                member_id=m.member_id,
            )
            for m in reach
            if m.member_id not in done
        ]
        queued += await outbox.enqueue_many(session, rows, now)
    return queued


# --- shuffling and sealing ----------------------------------------------------------------


async def settle(session: AsyncSession) -> int:
    """Rewrite, in random order, each open round that had answers since the last tick."""
    moved = 0
    for found, _ in await store.open_rounds(session):
        if found.unsettled:
            moved += await store.shuffle(session, found)
    return moved


async def close_due(session: AsyncSession, now: datetime) -> int:
    sealed = 0
    for found in await store.due_to_close(session, now):
        survey = await store.survey(session, found.survey_id)
        assert survey is not None
        await store.seal(session, found, survey.questions, now)
        sealed += 1
    return sealed
