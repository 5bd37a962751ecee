"""`event status` and `event report`: live deliveries and answers; attendance and feedback.

Delivery counts come straight from the outbox rows in the ledger, so they are
as live as the outbox. Feedback follows the one anonymity rule (bot/anonymity.py):
a score for 5 or more answers, comments for 10 or more.
"""

from __future__ import annotations

from datetime import timedelta
from statistics import fmean

from bot import anonymity
from bot.anonymity import MIN_FOR_TEXT, Release
from bot.context import Context
from bot.ui import Actions, Block, Button, Fields, Heading, Hint, Message, Section
from handlers.events.announce import preview
from handlers.events.attendance import EARLY
from handlers.events.common import (
    local_day,
    managed,
    organiser_or_refuse,
    pick_managed,
    plural,
    when,
)
from handlers.events.feedback import feedback_closes
from handlers.events.router import router
from store.events import queries as store
from store.events.models import Event

ANY = ("draft", "sent", "cancelled")
YEAR = timedelta(days=365)


@router.command(
    "event",
    "status",
    summary="Deliveries and answers for your events (champions)",
    shown_to="champion",
)
async def status(ctx: Context, args: str) -> None:
    event = await pick_managed(ctx, args, "event.status", "see", ANY)
    if event is not None:
        await show_status(ctx, event)


@router.action("event.status")
async def status_button(ctx: Context, value: str) -> None:
    if not value:  # "Your own events": choose one
        await status(ctx, "")
        return
    event = await managed(ctx, value)
    if event is not None:
        await show_status(ctx, event)


async def show_status(ctx: Context, event: Event) -> None:
    if event.status == "draft":
        ctx.reply(await preview(ctx, event))
        return
    ledger = await store.ledger(ctx.session, event.id)
    answers = await store.counts(ctx.session, event.id)
    came = len(await store.attended_ids(ctx.session, event.id))
    going = f"{answers['going']}" + (f" of {event.capacity} places" if event.capacity else "")
    channels = len(event.audience.get("channels") or [])
    pairs = [
        ("When", when(event, ctx.timezone)),
        ("Status", "Cancelled" if event.status == "cancelled" else "Announced"),
        (
            "Reach",
            plural(event.reach, "person", "people")
            + (f", {plural(channels, 'channel')}" if channels else ""),
        ),
        ("Delivered", f"{ledger.sent} of {ledger.total}"),
        ("Waiting to send", str(ledger.queued)),
        ("Failed", str(ledger.failed)),
        ("Skipped", str(ledger.skipped)),
        ("Going", going),
        ("Waitlist", str(answers["waitlist"])),
        ("Maybe", str(answers["maybe"])),
        ("Can't go", str(answers["not_going"])),
        ("Came", str(came)),
    ]
    if event.status == "sent" and event.checkin_code:
        pairs.append(("Check-in code", f"event checkin {event.checkin_code}"))
    blocks: list[Block] = [Heading(text=event.title), Fields(pairs=pairs)]
    for reason, count in sorted(ledger.reasons.items(), key=lambda pair: -pair[1])[:5]:
        blocks.append(Hint(text=f"Not delivered to {count}: {reason}"))
    if ledger.skipped:
        blocks.append(
            Hint(text="Skipped: people who paused messages, or the message was no longer true.")
        )
    blocks.append(Actions(buttons=_buttons(ctx, event)))
    text = f"{event.title}: " + "; ".join(f"{label} {value}" for label, value in pairs)
    ctx.reply(Message(text=text, blocks=blocks))


def _buttons(ctx: Context, event: Event) -> list[Button]:
    value = str(event.id)
    buttons = [Button(label="Refresh", action_id="event.status", value=value)]
    if event.status != "sent":
        return buttons
    now = ctx.now()
    if event.starts_at - EARLY <= now:
        buttons.append(Button(label="Mark attendance", action_id="event.attendance", value=value))
        buttons.append(Button(label="Report", action_id="event.report", value=value))
    if event.ends_at > now:
        buttons.append(Button(label="Change", action_id="event.edit", value=value))
        buttons.append(
            Button(label="Cancel event", action_id="event.cancel_ask", value=value, style="danger")
        )
    return buttons


# --- reports --------------------------------------------------------------------------------


@router.command(
    "event",
    "report",
    summary="Events held, attendance by institution, and feedback (champions)",
    example="event report",
    shown_to="champion",
)
async def report(ctx: Context, args: str) -> None:
    if not args.strip():
        if organiser_or_refuse(ctx):
            await network_report(ctx)
        return
    event = await pick_managed(ctx, args, "event.report", "report on", ("sent",))
    if event is not None:
        await event_report(ctx, event)


@router.action("event.report")
async def report_button(ctx: Context, value: str) -> None:
    event = await managed(ctx, value)
    if event is not None:
        await event_report(ctx, event)


async def network_report(ctx: Context) -> None:
    """The network's impact figures for the last 12 months (Technician Commitment evidence)."""
    now = ctx.now()
    impact = await store.impact(ctx.session, now - YEAR, now)
    heading = "Events in the last 12 months"
    summary = f"{impact.events_held} events held, {impact.attendances} attendances."
    blocks: list[Block] = [Heading(text=heading), Section(text=summary)]
    if impact.by_institution:
        blocks.append(Fields(pairs=[(name, str(count)) for name, count in impact.by_institution]))
    blocks.append(
        Hint(text="One event's attendance and feedback: event report <part of its title>.")
    )
    lines = [f"{name}: {count}" for name, count in impact.by_institution]
    ctx.reply(Message(text="\n".join([heading, summary, *lines]), blocks=blocks))


async def event_report(ctx: Context, event: Event) -> None:
    by_place = await store.attendance_by_institution(ctx.session, event.id)
    came = sum(count for _, count in by_place)
    answers = await store.feedback(ctx.session, event.id)
    answered = await store.feedback_receipts(ctx.session, event.id)
    closes = feedback_closes(event)
    closed = anonymity.is_closed(closes, ctx.now())
    if closed:
        said = f"{plural(answered, 'person', 'people')} gave feedback."
    else:
        said = (
            f"Feedback is open until {local_day(closes, ctx.timezone)}; results show after "
            f"that ({answered} answered so far)."
        )
    blocks: list[Block] = [Heading(text=event.title), Section(text=f"{came} came. {said}")]
    if by_place:
        blocks.append(Fields(pairs=[(name, str(count)) for name, count in by_place]))
    comments = sorted(a.comment for a in answers if a.comment)
    shown = anonymity.release(
        closed=closed, answers=len(answers), answered=answered, comments=len(comments)
    )
    if closed:
        blocks += feedback_blocks(shown, [a.score for a in answers], comments)
    text = "\n".join(b.text for b in blocks if isinstance(b, Section | Heading | Hint))
    ctx.reply(Message(text=text, blocks=blocks))


def feedback_blocks(shown: Release, scores: list[int], comments: list[str]) -> list[Block]:
    """Scores and comments of a closed window, only as far as the anonymity rule allows."""
    if not shown.scores:
        return [Hint(text=f"{shown.why_not} Nobody's answer can be picked out.")]
    pairs = [("Average", f"{fmean(scores):.1f} out of 5 ({len(scores)} answers)")]
    pairs += [(f"{score} out of 5", str(scores.count(score))) for score in range(5, 0, -1)]
    blocks: list[Block] = [Fields(pairs=pairs)]
    if shown.text:
        blocks.append(Heading(text="Comments"))
        blocks += [Section(text=comment) for comment in comments[:20]]
    elif comments:
        blocks.append(
            Hint(text=f"Comments show only when at least {MIN_FOR_TEXT} people wrote one.")
        )
    return blocks
