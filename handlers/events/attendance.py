"""Who came: the champion ticks the Going list, or members check in with the event's code.

Each attendee is asked for feedback once the event is over (handlers/events/feedback.py).
"""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Form, Input, Option
from handlers.events.common import managed, pick_managed, plural
from handlers.events.feedback import ask_for_feedback
from handlers.events.router import router
from store.events import queries as store
from store.events.models import Event

EARLY = timedelta(minutes=30)  # check-in opens this long before the start
LATE = timedelta(minutes=30)  # and closes this long after the end
LISTED = 100  # people on the attendance form; more can check in with the code


@router.command(
    "event", "attendance", summary="Mark who came to your event (champions)", shown_to="champion"
)
async def attendance(ctx: Context, args: str) -> None:
    event = await pick_managed(ctx, args, "event.attendance", "mark attendance for", ("sent",))
    if event is not None:
        await open_attendance_form(ctx, event)


@router.action("event.attendance")
async def attendance_button(ctx: Context, value: str) -> None:
    event = await managed(ctx, value)
    if event is not None:
        await open_attendance_form(ctx, event)


async def open_attendance_form(ctx: Context, event: Event) -> None:
    problem = _not_markable(ctx, event)
    if problem:
        ctx.reply(problem)
        return
    form = await attendance_form(ctx, event)
    if form is None:
        ctx.reply(
            f"Nobody has said they're going to “{event.title}” yet. People who come can check "
            f"in with the code {event.checkin_code}: event checkin {event.checkin_code}."
        )
        return
    ctx.open_form(form)


def _not_markable(ctx: Context, event: Event) -> str | None:
    if event.status != "sent":
        return "Attendance is only for events that went ahead."
    if event.starts_at - EARLY > ctx.now():
        return "That event hasn't started yet — mark attendance on the day or after."
    return None


async def attendance_form(ctx: Context, event: Event) -> Form | None:
    listed = await store.going_names(ctx.session, event.id, LISTED)
    if not listed:
        return None
    came = await store.attended_ids(ctx.session, event.id)
    return Form(
        form_id="event.attendance",
        title="Mark attendance",
        intro=(
            f"Who came to “{event.title}”? Tick everyone who was there. People can also check "
            f"in themselves with the code {event.checkin_code}."
        ),
        submit_label="Save",
        state=str(event.id),
        inputs=[
            Input(
                name="came",
                label="Came",
                kind="multi_select",
                required=False,
                options=[
                    Option(label=m.display_name or "A member", value=str(m.id)) for m in listed
                ],
                initial=[str(m.id) for m in listed if m.id in came] or None,
            )
        ],
    )


@router.form("event.attendance")
async def save_attendance(ctx: Context, submitted: FormSubmission) -> None:
    event = await managed(ctx, submitted.state)
    if event is None:
        return
    problem = _not_markable(ctx, event)
    if problem:
        ctx.reply(problem)
        return
    form = await attendance_form(ctx, event)
    if form is None:
        ctx.reply("Nobody is on the list for that event any more.")
        return
    checked = check(form, submitted.fields)
    if ctx.errors_shown(form, submitted, checked.errors):
        return
    listed = [int(option.value) for option in form.inputs[0].options]
    ticked = [int(value) for value in checked.values["came"]]
    added = await store.mark_attended(ctx.session, event.id, ticked, "champion", ctx.now())
    await store.unmark_attended(ctx.session, event.id, keep=ticked, among=listed)
    await ask_for_feedback(ctx, event, added)
    total = len(await store.attended_ids(ctx.session, event.id))
    ctx.reply(
        f"Saved: {plural(total, 'person', 'people')} came to “{event.title}”. "
        "I'll ask each of them for quick, anonymous feedback once it's over."
    )


@router.command(
    "event", "checkin", summary="Check in at an event with its code", example="event checkin K7QX2P"
)
async def checkin(ctx: Context, args: str) -> None:
    if not args.strip():
        ctx.reply(
            "Type event checkin followed by the code the organiser gives out, "
            "e.g. event checkin K7QX2P."
        )
        return
    event = await store.by_code(ctx.session, args)
    now = ctx.now()
    if event is None or event.status == "draft":
        ctx.reply("I don't recognise that code. Please check it with the organiser and try again.")
        return
    if event.status == "cancelled":
        ctx.reply(f"“{event.title}” was cancelled, so there's nothing to check in to.")
        return
    if now < event.starts_at - EARLY:
        ctx.reply(f"Check-in for “{event.title}” opens half an hour before it starts.")
        return
    if now > event.ends_at + LATE:
        ctx.reply(
            f"“{event.title}” is over, so check-in has closed. The organiser can still mark you."
        )
        return
    added = await store.mark_attended(ctx.session, event.id, [ctx.member.id], "checkin", now)
    if not added:
        ctx.reply(f"You're already checked in to “{event.title}”. Enjoy!")
        return
    await ask_for_feedback(ctx, event, added)
    ctx.reply(f"You're checked in to “{event.title}”. Enjoy! I'll ask how it went afterwards.")
