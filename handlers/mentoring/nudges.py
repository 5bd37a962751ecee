"""Meeting nudges: the mentee books and leads the meetings; the bot keeps the rhythm.

On the agreed cadence the *mentee* is nudged to book the next meeting; the day
after a booked date she is asked whether it happened; a cycle that passes
without a meeting counts as missed; pairs that go quiet reach their scheme's
coordinator in one private digest a day. The mentor is never asked to chase.

Every sweep is one indexed query of all the meeting work due
(store.mentoring.queries.meeting_work), writes its messages to the outbox with a
unique key, and moves each pair's due dates on, once, in the same transaction —
so re-running a tick, or two workers running it at once, changes nothing twice.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.outbox import Queued
from bot.ui import Actions, Button, Form, Hint, Input, Message, Section, Template
from handlers.mentoring import schedule
from handlers.mentoring.common import (
    STALE_BUTTON,
    for_relationship,
    own_active_relationship,
    partner_of,
    today,
)
from handlers.mentoring.meetings import log_form
from handlers.mentoring.router import router
from store.members import holder_ids
from store.mentoring import queries as store
from store.mentoring.models import Relationship
from store.mentoring.queries import DuePair
from store.models import OutboxMessage
from store.types import RawJSON

KIND = "nudge"  # what `mentor mute` silences, even for messages already queued
MENTOR_NOTE = (
    "Meeting reminders go to your mentee, who books and leads your meetings — "
    "there's nothing for you to chase."
)
HOW_TO_STOP = "Type mentor mute to stop these reminders for this pair, or privacy pause for all."


# --- the sweeps ---------------------------------------------------------------------


async def sweep(session: AsyncSession, today_: date, now: datetime) -> int:
    """All meeting work due today, read in one query and written once per pair.

    Each pair goes through the steps in order, each seeing the dates the last one left:
    a missed cycle (which starts the next and nudges again at once), "did you meet?", the
    booking nudge, and the coordinators' digest of the pairs gone quiet.
    """
    checks: list[DuePair] = []
    nudges: list[DuePair] = []
    stalled: list[DuePair] = []
    changes: dict[int, schedule.Changes] = {}
    missed = 0
    for pair in await store.meeting_work(session, today_):
        change: schedule.Changes = {}
        if pair.cycle_due_on is not None and pair.cycle_due_on < today_:
            # A meet-by day that passed with nothing logged: a missed cycle.
            rules = schedule.rules_for(pair.agreed_cadence, pair)
            pair = _moved(pair, change, schedule.after_miss(rules, today_, pair))
            missed += 1
        if pair.check_due_on is not None and pair.check_due_on <= today_:
            checks.append(pair)
            pair = _moved(pair, change, schedule.after_asking(today_))
        if pair.nudge_due_on is not None and pair.nudge_due_on <= today_:
            nudges.append(pair)
            pair = _moved(pair, change, schedule.after_nudge(pair.nudges_this_cycle))
        if pair.stall_due_on is not None and pair.stall_due_on <= today_:
            stalled.append(pair)
            pair = _moved(pair, change, {"stall_due_on": None, "stall_reported_at": now})
        changes[pair.id] = change
    queued = await outbox.enqueue_many(session, did_you_meet_messages(checks), now)
    queued += await outbox.enqueue_many(session, booking_nudges(nudges), now)
    queued += await outbox.enqueue_many(
        session, await stalled_digests(session, stalled, today_), now
    )
    await store.apply_changes(session, changes)
    return missed + queued


def _moved(pair: DuePair, change: schedule.Changes, step: schedule.Changes) -> DuePair:
    """The pair as the next step sees it, and `change` gathering what the pair's row gets."""
    change |= step
    return pair._replace(**step)


def booking_nudges(pairs: list[DuePair]) -> list[Queued]:
    return [
        Queued(
            key=_nudge_key(pair),
            kind=KIND,
            message=booking_nudge(pair),
            member_id=pair.mentee_id,
        )
        for pair in pairs
        if not pair.nudges_muted
    ]


def _nudge_key(pair: DuePair) -> str:
    # The issue's `nudge:<relationship>:<cycle>`; a snoozed reminder is a new message.
    repeat = f".{pair.nudges_this_cycle}" if pair.nudges_this_cycle else ""
    return f"nudge:{pair.id}:{pair.cycle}{repeat}"


def booking_nudge(pair: DuePair) -> RawJSON:
    template = AFTER_A_MISS if pair.missed_cycles else TIME_TO_BOOK
    return template.fill(mentor=pair.mentor_name, pair=pair.id)


def _booking_template(text: str) -> Template:
    return Template(
        Message(
            text=text,
            blocks=[
                Section(text=text),
                Actions(
                    buttons=[
                        Button(
                            label="I've booked it",
                            action_id="mentor.booked",
                            value="{{pair}}",
                            style="primary",
                        ),
                        Button(
                            label="Remind me next week", action_id="mentor.snooze", value="{{pair}}"
                        ),
                        Button(label="We've finished", action_id="mentor.end", value="{{pair}}"),
                    ]
                ),
                Hint(text=HOW_TO_STOP),
            ],
        )
    )


# Built once: a morning's sweep may queue thousands of these.
TIME_TO_BOOK = _booking_template(
    "It's about time to book your next meeting with {{mentor}}. "
    "You lead the meetings now, so pick a date that suits you both."
)
AFTER_A_MISS = _booking_template(
    "It's been a while since you and {{mentor}} met. Shall we get a date in the diary?"
)


def did_you_meet_messages(pairs: list[DuePair]) -> list[Queued]:
    return [
        Queued(
            key=f"didyoumeet:{pair.id}:{pair.next_meeting_on}",
            kind=KIND,
            message=did_you_meet(pair),
            member_id=pair.mentee_id,
        )
        for pair in pairs
        if not pair.nudges_muted and pair.next_meeting_on is not None
    ]


def did_you_meet(pair: DuePair) -> RawJSON:
    booked = f" on {pair.next_meeting_on:%A %-d %B}" if pair.next_meeting_on else ""
    return DID_YOU_MEET.fill(mentor=pair.mentor_name, booked=booked, pair=pair.id)


DID_YOU_MEET = Template(
    Message(
        text="Did you meet {{mentor}}{{booked}}?",
        blocks=[
            Section(text="Did you meet {{mentor}}{{booked}}?"),
            Actions(
                buttons=[
                    Button(label="Yes", action_id="mentor.met", value="{{pair}}", style="primary"),
                    Button(label="No", action_id="mentor.notmet", value="{{pair}}"),
                ]
            ),
        ],
    )
)


async def stalled_digests(
    session: AsyncSession, pairs: list[DuePair], today_: date
) -> list[Queued]:
    """One private digest per coordinator, listing every pair that went quiet."""
    by_reader: dict[int, list[DuePair]] = defaultdict(list)
    admins = None
    for pair in pairs:
        if pair.coordinator_id is not None:
            by_reader[pair.coordinator_id].append(pair)
            continue
        admins = admins if admins is not None else await holder_ids(session, "admin")
        for admin in admins:  # a scheme without a coordinator is the admins' to mind
            by_reader[admin].append(pair)
    return [
        Queued(
            key=f"stalled:{reader}:{today_}:{_digest_of(quiet)}",
            kind="mentor",
            message=stalled_digest(quiet),
            member_id=reader,
        )
        for reader, quiet in by_reader.items()
    ]


def _digest_of(pairs: list[DuePair]) -> str:
    ids = ",".join(str(pair.id) for pair in sorted(pairs, key=lambda p: p.id))
    return hashlib.sha256(ids.encode()).hexdigest()[:12]


def stalled_digest(pairs: list[DuePair]) -> Message:
    heading = (
        "A mentoring pair has gone quiet"
        if len(pairs) == 1
        else f"{len(pairs)} mentoring pairs have gone quiet"
    )
    lines = []
    for pair in sorted(pairs, key=lambda p: (p.scheme_name, p.mentee_name)):
        since = (
            f"no meeting logged since {pair.last_meeting_on:%-d %B %Y}"
            if pair.last_meeting_on
            else "no meeting logged yet"
        )
        missed = (
            f", {pair.missed_cycles} missed cycle{'s' if pair.missed_cycles != 1 else ''}"
            if pair.missed_cycles
            else ""
        )
        lines.append(
            f"{pair.mentee_name} (mentee) and {pair.mentor_name} (mentor), "
            f"{pair.scheme_name}: {since}{missed}."
        )
    footer = (
        "A friendly word from you often helps. Only you see this. "
        "Type mentor report for the whole scheme."
    )
    return Message(
        text="\n".join([heading, *lines, footer]),
        blocks=[Section(text=heading), *(Section(text=line) for line in lines), Hint(text=footer)],
    )


# --- held back at send time ---------------------------------------------------------


@router.send_check
async def muted_or_ended(session: AsyncSession, row: OutboxMessage) -> str | None:
    """A nudge queued before its pair was muted or closed is not sent."""
    if row.kind != KIND:
        return None
    relationship_id = _relationship_in(row.key)
    relationship = await session.get(Relationship, relationship_id) if relationship_id else None
    if relationship is None or relationship.status != "active":
        return "the mentoring relationship has ended"
    if relationship.nudges_muted:
        return "the mentee muted meeting reminders for this pair"
    return None


def _relationship_in(key: str) -> int | None:
    parts = key.split(":")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


# --- the mentee's answers -------------------------------------------------------------


async def _mentees_own(ctx: Context, value: str) -> Relationship | None:
    """The pair a nudge's button names, only for its mentee (the mentor never books)."""
    relationship = await own_active_relationship(ctx, value)
    if relationship is not None and relationship.mentee_id != ctx.member.id:
        ctx.reply(MENTOR_NOTE)
        return None
    return relationship


@router.action("mentor.booked")
async def booked(ctx: Context, value: str) -> None:
    relationship = await _mentees_own(ctx, value)
    if relationship is not None:
        ctx.open_form(booking_form(ctx, relationship))


def booking_form(ctx: Context, relationship: Relationship) -> Form:
    return Form(
        form_id="mentor.booked",
        title="Next meeting",
        state=str(relationship.id),
        submit_label="Save",
        inputs=[
            Input(
                name="day",
                label="When is it?",
                kind="date",
                initial=(relationship.next_meeting_on or today(ctx)).isoformat(),
            )
        ],
    )


@router.form("mentor.booked")
async def save_booking(ctx: Context, submitted: FormSubmission) -> None:
    relationship = await _mentees_own(ctx, submitted.state)
    if relationship is None:
        return
    form = booking_form(ctx, relationship)
    checked = check(form, submitted.fields)
    errors = dict(checked.errors)
    day = checked.values.get("day")
    if day is not None and day < today(ctx):
        errors["day"] = "That date has passed. If you've already met, type mentor log."
    elif day is not None and day > today(ctx) + timedelta(days=366):
        errors["day"] = "Please choose a date within the next year."
    if ctx.errors_shown(form, submitted, errors):
        return
    assert day is not None  # a required field: the form check saw to it
    schedule.apply(relationship, schedule.after_booking(day))
    ctx.reply(f"Lovely — {day:%A %-d %B} is in the diary. I'll check in with you the day after.")


@router.action("mentor.snooze")
async def snooze(ctx: Context, value: str) -> None:
    relationship = await _mentees_own(ctx, value)
    if relationship is None:
        return
    if relationship.next_meeting_on and relationship.next_meeting_on >= today(ctx):
        ctx.update(f"You've already booked {relationship.next_meeting_on:%A %-d %B} — lovely.")
        return
    changes = schedule.after_snooze(today(ctx), relationship.cycle_due_on)
    schedule.apply(relationship, changes)
    ctx.update(f"Okay — I'll remind you again on {changes['nudge_due_on']:%A %-d %B}.")


@router.action("mentor.met")
async def met(ctx: Context, value: str) -> None:
    relationship = await _mentees_own(ctx, value)
    if relationship is None:
        return
    if relationship.next_meeting_on is None or relationship.next_meeting_on > today(ctx):
        ctx.update("That meeting is logged already — thank you! Type mentor log for another.")
        return
    ctx.open_form(await log_form(ctx, relationship, held_on=relationship.next_meeting_on))


@router.action("mentor.notmet")
async def not_met(ctx: Context, value: str) -> None:
    relationship = await _mentees_own(ctx, value)
    if relationship is None:
        return
    booked_on = relationship.next_meeting_on
    if booked_on is None or booked_on >= today(ctx):
        ctx.update(STALE_BUTTON)  # answered already, or a new date is booked
        return
    scheme = await store.scheme(ctx.session, relationship.scheme_id)
    assert scheme is not None  # foreign key
    day = today(ctx)
    changes = schedule.after_miss(
        schedule.rules_for(relationship.agreed_cadence, scheme), day, relationship
    )
    # She is offered the booking button right here, so the next nudge can wait a week.
    schedule.apply(relationship, changes | {"nudge_due_on": day + schedule.SNOOZE})
    partner = await partner_of(ctx, relationship)
    text = (
        f"No problem — these things happen. When you've a new date with {partner.display_name}, "
        "press I've booked it."
    )
    button = Button(label="I've booked it", action_id="mentor.booked", value=str(relationship.id))
    ctx.update(Message(text=text, blocks=[Section(text=text, button=button)]))


# --- muting -------------------------------------------------------------------------


@for_relationship("mute", "mentor.mute", "mute reminders for", summary="Stop meeting reminders")
async def mute(ctx: Context, relationship: Relationship) -> None:
    await _set_muted(ctx, relationship, True)


@for_relationship(
    "unmute", "mentor.unmute", "turn reminders back on for", summary="Turn meeting reminders on"
)
async def unmute(ctx: Context, relationship: Relationship) -> None:
    await _set_muted(ctx, relationship, False)


async def _set_muted(ctx: Context, relationship: Relationship, muted: bool) -> None:
    if relationship.mentee_id != ctx.member.id:
        ctx.reply(MENTOR_NOTE)
        return
    partner = await partner_of(ctx, relationship)
    relationship.nudges_muted = muted
    ctx.reply(
        f"Done — no more meeting reminders for you and {partner.display_name}. "
        "Type mentor unmute to have them back."
        if muted
        else f"Done — I'll remind you when it's time to book a meeting with {partner.display_name}."
    )
