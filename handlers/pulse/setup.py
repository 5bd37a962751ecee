"""`pulse new`: a coordinator sets up a survey — title, questions, audience, schedule,
how long each round stays open, reminders — and sees a preview (handlers/pulse/send.py).

The form is saved as a draft for the preview; Edit reopens it with what was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Form, Input, Option
from handlers.audience import audience_inputs, parse_audience
from handlers.pulse import questions
from handlers.pulse.common import coordinator_or_refuse, run_by_asker
from handlers.pulse.router import router
from handlers.pulse.send import preview
from store.pulse.models import PulseSurvey

TITLE_MAX = 150
REPEATS = [
    Option(label="Once", value="once"),
    Option(label="Every week", value="1"),
    Option(label="Every 2 weeks", value="2"),
    Option(label="Every 4 weeks", value="4"),
    Option(label="Every 6 weeks", value="6"),
    Option(label="Every 13 weeks (a term)", value="13"),
]
MAX_ROUNDS = 12
DAYS = re.compile(r"\d+")


@router.command(
    "pulse",
    "new",
    summary="Set up a pulse survey (coordinators)",
    example="pulse new",
    shown_to="coordinator",
)
async def new(ctx: Context, args: str) -> None:
    if coordinator_or_refuse(ctx):
        ctx.open_form(await survey_form(ctx))


@router.action("pulse.edit")
async def edit(ctx: Context, value: str) -> None:
    draft = await _draft(ctx, value)
    if draft is not None:
        ctx.open_form(await survey_form(ctx, draft))


async def _draft(ctx: Context, value: str) -> PulseSurvey | None:
    draft = await run_by_asker(ctx, value)
    if draft is not None and draft.status != "draft":
        ctx.reply("That survey has already been sent, so it can't be changed.")
        return None
    return draft


async def survey_form(ctx: Context, draft: PulseSurvey | None = None) -> Form:
    inputs = [
        Input(
            name="title",
            label="Title",
            max_length=TITLE_MAX,
            placeholder="Technician pulse: career development",
            initial=draft.title if draft else None,
        ),
        Input(
            name="questions",
            label="Questions, one per line",
            kind="long_text",
            max_length=6000,
            hint=(
                f"Up to {questions.MAX_QUESTIONS}. Start each with scale:, likely:, choice:, "
                "multi: or text: (one free-text question at most); put options after | . "
                "For example:\n" + questions.EXAMPLE
            ),
            initial=questions.as_lines(draft.questions) if draft else None,
        ),
        *await audience_inputs(
            ctx.session, draft.audience if draft else {}, new=draft is None, roles=True
        ),
    ]
    inputs += [
        Input(
            name="repeat",
            label="How often",
            kind="select",
            options=REPEATS,
            initial=str(draft.every_weeks or "once") if draft else "once",
        ),
        Input(
            name="rounds",
            label="How many rounds",
            kind="number",
            required=False,
            min_value=1,
            max_value=MAX_ROUNDS,
            hint="For a repeating survey; each is numbered.",
            initial=str(draft.rounds) if draft else "3",
        ),
        Input(
            name="open_days",
            label="Days each round stays open",
            kind="number",
            min_value=1,
            max_value=28,
            initial=str(draft.open_days) if draft else "7",
        ),
        Input(
            name="reminders",
            label="Remind on these days",
            required=False,
            max_length=40,
            placeholder="3, 5",
            hint="Days after a round opens. Only people who haven't answered are reminded.",
            initial=", ".join(map(str, draft.reminder_days)) if draft else "3, 5",
        ),
    ]
    return Form(
        form_id="pulse.new",
        title="Set up a pulse survey",
        intro=(
            "A short anonymous check-in for the network. You'll see it as members will, "
            "and how many people it reaches, before anything is sent."
        ),
        submit_label="Preview",
        state=str(draft.id) if draft else "",
        inputs=inputs,
    )


@dataclass(frozen=True)
class Settled:
    fields: dict[str, Any]
    errors: dict[str, str]


def settle(form: Form, submitted: FormSubmission) -> Settled:
    """The survey's settings from the form, with a friendly error beside each bad field."""
    checked = check(form, submitted.fields)
    errors = dict(checked.errors)
    values = checked.values
    parsed = questions.parse(str(submitted.fields.get("questions") or ""))
    if parsed.error:
        errors["questions"] = parsed.error
    audience = parse_audience(values, errors)
    repeat = values.get("repeat")
    every = None if repeat in (None, "once") else int(repeat)
    rounds = 1 if every is None else int(values.get("rounds") or 1)
    open_days = int(values.get("open_days") or 7)
    if every is not None and open_days > every * 7:
        errors.setdefault(
            "open_days", "A round must close before the next one opens: fewer days, please."
        )
    reminder_days = sorted({int(n) for n in DAYS.findall(values.get("reminders") or "")})
    if any(n < 1 or n >= open_days for n in reminder_days):
        errors.setdefault(
            "reminders", f"Reminder days must fall while a round is open: 1 to {open_days - 1}."
        )
    fields = {
        "title": values.get("title"),
        "questions": parsed.questions,
        "audience": audience,
        "every_weeks": every,
        "rounds": rounds,
        "open_days": open_days,
        "reminder_days": reminder_days,
    }
    return Settled(fields, errors)


@router.form("pulse.new")
async def save_draft(ctx: Context, submitted: FormSubmission) -> None:
    draft = None
    if submitted.state:
        draft = await _draft(ctx, submitted.state)
        if draft is None:
            return
    elif not coordinator_or_refuse(ctx):
        return
    form = await survey_form(ctx, draft)
    settled = settle(form, submitted)
    if ctx.errors_shown(form, submitted, settled.errors):
        return
    if draft is None:
        draft = PulseSurvey(coordinator_id=ctx.member.id, status="draft", created_at=ctx.now())
        ctx.session.add(draft)
    for name, value in settled.fields.items():
        setattr(draft, name, value)
    await ctx.session.flush()
    ctx.reply(await preview(ctx, draft))
