"""After the event: a 1–5 score and a comment from each attendee, stored without their name.

The question is queued when attendance is recorded, due when the event ends. The
feedback window closes `FEEDBACK_OPEN` after the event ends: until then answers come
in and nothing of them is shown; from then on no answer is taken and the report
shows them under the anonymity rule (bot/anonymity.py), so nobody watches the
average move one answer at a time. The answer is stored with no member link, no
time and a random key; a receipt that this member has answered is kept apart
(surviving any change to attendance), and the tick seals each closed window's
answers (store/anonymous.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import anonymity
from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Actions, Button, Form, Input, Message, Option, Section
from handlers.events.common import FEEDBACK, STALE, as_id
from handlers.events.router import router
from store.events import queries as store
from store.events.models import Event

AFTER_THE_END = timedelta(minutes=30)
FEEDBACK_OPEN = timedelta(days=14)
ALREADY = "You've already given feedback on that event — thank you!"
SCORES = [
    Option(label="5 — Excellent", value="5"),
    Option(label="4 — Good", value="4"),
    Option(label="3 — OK", value="3"),
    Option(label="2 — Not great", value="2"),
    Option(label="1 — Poor", value="1"),
]


async def ask_for_feedback(ctx: Context, event: Event, member_ids: list[int]) -> None:
    """Queue the question for each new attendee, due once the event is over."""
    due = max(ctx.now(), event.ends_at + AFTER_THE_END)
    text = (
        f"Thanks for coming to “{event.title}”. How was it? Two quick questions — your answer "
        "is anonymous: nobody, the organiser included, can see who said what."
    )
    message = Message(
        text=text,
        blocks=[
            Section(text=text),
            Actions(
                buttons=[
                    Button(
                        label="Give feedback",
                        action_id="event.feedback",
                        value=str(event.id),
                        style="primary",
                    )
                ]
            ),
        ],
    )
    for member_id in member_ids:
        key = f"{FEEDBACK}:{event.id}:{member_id}"
        await ctx.notify(member_id, message, key=key, kind=FEEDBACK, due_at=due)


def feedback_form(event: Event) -> Form:
    return Form(
        form_id="event.feedback",
        title="Event feedback",
        intro=f"How was “{event.title}”? Your answer is anonymous.",
        submit_label="Send",
        state=str(event.id),
        inputs=[
            Input(name="score", label="Overall", kind="select", options=SCORES),
            Input(
                name="comment",
                label="Anything to add?",
                kind="long_text",
                required=False,
                max_length=1000,
                hint="Optional. Please don't name anyone.",
            ),
        ],
    )


def feedback_closes(event: Event) -> datetime:
    return event.ends_at + FEEDBACK_OPEN


async def _attended(ctx: Context, value: str) -> Event | None:
    event = await store.event(ctx.session, as_id(value))
    mine = await store.attendance_of(ctx.session, event.id, ctx.member.id) if event else None
    if event is None or mine is None:
        ctx.reply(STALE)
        return None
    if await store.has_given_feedback(ctx.session, event.id, ctx.member.id):
        ctx.reply(ALREADY)
        return None
    if ctx.now() < event.ends_at:
        ctx.reply("Feedback opens once the event is over — I'll ask you then.")
        return None
    if anonymity.is_closed(feedback_closes(event), ctx.now()):
        ctx.reply(f"Feedback on “{event.title}” has closed — thank you all the same.")
        return None
    return event


@router.action("event.feedback")
async def feedback_button(ctx: Context, value: str) -> None:
    event = await _attended(ctx, value)
    if event is not None:
        ctx.open_form(feedback_form(event))


@router.form("event.feedback", anonymous=True)
async def save_feedback(ctx: Context, submitted: FormSubmission) -> None:
    event = await _attended(ctx, submitted.state)
    if event is None:
        return
    form = feedback_form(event)
    checked = check(form, submitted.fields)
    if ctx.errors_shown(form, submitted, checked.errors):
        return
    score = int(checked.values["score"])
    if not await store.record_feedback(
        ctx.session, event.id, ctx.member.id, score, checked.values.get("comment")
    ):
        ctx.reply(ALREADY)
        return
    ctx.reply("Thank you! Your feedback is in, with no name attached.")


# --- when the window closes: seal the answers --------------------------------------


async def seal_closed(session: AsyncSession, now: datetime) -> int:
    """Seal every event whose feedback window has closed (store/anonymous.py); what the
    anonymity rule will never show (too few answers, too few comments) is deleted."""
    sealed = 0
    for event_id in await store.feedback_to_seal(session, now - FEEDBACK_OPEN):
        answers = await store.feedback(session, event_id)
        keep_answers, keep_comments = anonymity.keeps(
            len(answers), sum(1 for a in answers if a.comment)
        )
        sealed += await store.seal_feedback(session, event_id, keep_answers, keep_comments)
    return sealed
