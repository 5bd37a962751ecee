"""Answering: the invitation's Answer button opens the questions (a Slack modal, an
Adaptive Card in Teams, one question at a time in the console). A second answer replaces
the first ("you answered on Tuesday — change?"), and only the member can see their own.

The answer is stored with no name (store/pulse); only a receipt that they answered
sits apart, for reminders and for this "change your answer".
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Actions, Block, Button, Form, Heading, Hint, Message, Section
from handlers.pulse import questions
from handlers.pulse.common import ANONYMOUS, STALE, as_id, day, is_coordinator, plural
from handlers.pulse.router import router
from store.pulse import queries as store
from store.pulse.models import PulseRound, PulseSurvey


def answer_form(survey: PulseSurvey, found: PulseRound, mine: dict[str, Any] | None = None) -> Form:
    mine = mine or {}
    return Form(
        form_id="pulse.answer",
        title="Pulse survey"[:24],
        intro=f"{survey.title}. {ANONYMOUS}",
        submit_label="Send my answer",
        state=str(found.id),
        inputs=[questions.as_input(q, mine.get(q["key"])) for q in survey.questions],
    )


async def _answerable(ctx: Context, value: str) -> tuple[PulseSurvey, PulseRound] | None:
    """The round a button or form names, if it is open and open to this member."""
    found = await store.round_of(ctx.session, as_id(value))
    survey = await store.survey(ctx.session, found.survey_id) if found else None
    if found is None or survey is None:
        ctx.reply(STALE)
        return None
    if found.status == "scheduled":
        ctx.reply(f"That round opens on {day(found.opens_at, ctx.timezone)} — I'll send it then.")
        return None
    if found.status != "open" or found.closes_at <= ctx.now():
        ctx.reply(closed_words(ctx, survey, found))
        return None
    if not await store.in_audience(ctx.session, survey.audience, ctx.member):
        ctx.reply("That survey isn't open to you, so there's nothing to answer. Thank you anyway!")
        return None
    return survey, found


def closed_words(ctx: Context, survey: PulseSurvey, found: PulseRound) -> str:
    return (
        f"Round {found.number} of “{survey.title}” closed on "
        f"{day(found.closes_at, ctx.timezone)}, so it isn't taking answers any more — thank "
        "you for wanting to, all the same. Its results are sealed now, and nobody's answers "
        "can change them."
    )


@router.action("pulse.answer")
async def answer_button(ctx: Context, value: str) -> None:
    found = await _answerable(ctx, value)
    if found is None:
        return
    survey, this_round = found
    receipt = await store.receipt(ctx.session, this_round.id, ctx.member.id)
    if receipt is None:
        ctx.open_form(answer_form(survey, this_round))
        return
    text = (
        f"You answered on {receipt.answered_on:%A %-d %B} — thank you! Would you like to "
        f"change your answer? You can until {day(this_round.closes_at, ctx.timezone)}."
    )
    ctx.reply(Message(text=text, blocks=[Section(text=text), _mine_buttons(this_round)]))


def _mine_buttons(found: PulseRound) -> Actions:
    value = str(found.id)
    return Actions(
        buttons=[
            Button(label="Change my answer", action_id="pulse.change", value=value),
            Button(label="See my answers", action_id="pulse.mine", value=value),
        ]
    )


@router.action("pulse.change")
async def change(ctx: Context, value: str) -> None:
    found = await _answerable(ctx, value)
    if found is None:
        return
    survey, this_round = found
    mine = await store.my_answer(ctx.session, this_round, ctx.member.id)
    ctx.open_form(answer_form(survey, this_round, mine))


@router.form("pulse.answer", anonymous=True)
async def save(ctx: Context, submitted: FormSubmission) -> None:
    found = await _answerable(ctx, submitted.state)
    if found is None:
        return
    survey, this_round = found
    form = answer_form(survey, this_round)
    checked = check(form, submitted.fields)
    if ctx.errors_shown(form, submitted, checked.errors):
        return
    answers = {q["key"]: checked.values.get(q["key"]) for q in survey.questions}
    cell = await store.cell_of(ctx.session, ctx.member.id, ctx.member.institution_id)
    try:
        replaced = await store.record_answer(
            ctx.session, this_round, ctx.member.id, cell, answers, ctx.local(ctx.now()).date()
        )
    except store.RoundClosed:
        ctx.reply(closed_words(ctx, survey, this_round))
        return
    first = "Your new answer has replaced the earlier one" if replaced else "Your answer is in"
    text = (
        f"Thank you! {first}, with no name attached. You can change it until "
        f"{day(this_round.closes_at, ctx.timezone)}."
    )
    ctx.reply(Message(text=text, blocks=[Section(text=text), _mine_buttons(this_round)]))


# --- my answers ---------------------------------------------------------------------------


@router.action("pulse.mine")
async def mine_button(ctx: Context, value: str) -> None:
    found = await store.round_of(ctx.session, as_id(value))
    survey = await store.survey(ctx.session, found.survey_id) if found else None
    if found is None or survey is None:
        ctx.reply(STALE)
        return
    ctx.reply(await my_answers(ctx, survey, found))


async def my_answers(ctx: Context, survey: PulseSurvey, found: PulseRound) -> Message:
    heading = f"Your answers to “{survey.title}”, round {found.number}"
    mine = await store.my_answer(ctx.session, found, ctx.member.id)
    if mine is None:
        receipt = await store.receipt(ctx.session, found.id, ctx.member.id)
        text = (
            f"{heading}: the round has closed and its answers are sealed — folded into totals "
            "with no name, so not even you can look yours up. That's what keeps them anonymous."
            if receipt and found.status == "closed"
            else f"{heading}: you haven't answered this round."
        )
        return Message(text=text, blocks=[Section(text=text)])
    lines = []
    for q in survey.questions:
        given = mine.get(q["key"])
        if isinstance(given, list):
            shown = ", ".join(questions.label_of(q, v) for v in given) or "—"
        elif given in (None, ""):
            shown = "—"
        else:
            shown = given if q["kind"] == "text" else questions.label_of(q, str(given))
        lines.append(f"{q['prompt']}\n    {shown}")
    text = f"{heading} (only you can see this):\n" + "\n".join(lines)
    blocks: list[Block] = [Section(text=text), Hint(text=ANONYMOUS)]
    if found.status == "open":
        blocks.append(
            Actions(
                buttons=[
                    Button(label="Change my answer", action_id="pulse.change", value=str(found.id))
                ]
            )
        )
    return Message(text=text, blocks=blocks)


# --- what is open to me ---------------------------------------------------------------------


async def open_to_me(ctx: Context) -> list[Section]:
    """A line per round open to this member, with Answer or Change my answer."""
    found = []
    for this, survey in await store.open_rounds(ctx.session):
        if this.closes_at <= ctx.now() or not await store.in_audience(
            ctx.session, survey.audience, ctx.member
        ):
            continue
        receipt = await store.receipt(ctx.session, this.id, ctx.member.id)
        status = (
            f"you answered on {receipt.answered_on:%A %-d %B}" if receipt else "not answered yet"
        )
        until = day(this.closes_at, ctx.timezone)
        line = f"{survey.title} (round {this.number}) — open until {until}; {status}."
        button = (
            Button(label="Change my answer", action_id="pulse.change", value=str(this.id))
            if receipt
            else Button(
                label="Answer", action_id="pulse.answer", value=str(this.id), style="primary"
            )
        )
        found.append(Section(text=line, button=button))
    return found


@router.command("pulse", summary="Pulse surveys open to you, and your answers", example="pulse")
async def listing(ctx: Context, args: str) -> None:
    lines = await open_to_me(ctx)
    blocks: list[Block] = []
    if not lines:
        text = "No pulse surveys are open to you just now. I'll message you when one opens."
        blocks.append(Section(text=text))
    else:
        intro = f"{plural(len(lines), 'pulse survey')} open to you:"
        text = "\n".join([intro, *(line.text for line in lines)])
        blocks += [Section(text=intro), *lines]
    if is_coordinator(ctx):
        blocks.append(
            Actions(
                buttons=[
                    Button(label="New survey", action_id="pulse.new"),
                    Button(label="Results", action_id="pulse.results"),
                ]
            )
        )
    ctx.reply(Message(text=text, blocks=blocks))


@router.home_section(45)
async def dashboard(ctx: Context) -> list[Block]:
    """Pulse surveys waiting for this member's answer."""
    waiting = [line for line in await open_to_me(ctx) if "not answered" in line.text]
    return [Heading(text="Pulse surveys for you"), *waiting] if waiting else []


@router.action("pulse.new")
async def new_button(ctx: Context, value: str) -> None:
    from handlers.pulse.setup import new

    await new(ctx, "")
