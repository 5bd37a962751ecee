"""Mid-point and end evaluations: prompted when due, answered anonymously, reported in aggregate.

Evaluations are gathered in rounds: a round is the calendar quarter in which an
evaluation fell due (e.g. "2026Q1"), and it closes `ROUND_GRACE` after the quarter
ends. An evaluation can be answered from when it is due until its round closes;
the coordinator sees a round's results only once it has closed, under the one
anonymity rule (bot/anonymity.py), and they never change after. The tick seals
each closed round's answers (store/anonymous.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import anonymity
from bot.context import Context
from bot.inbound import FormSubmission
from bot.outbox import Queued
from bot.ui import Button, Form, Input, Option
from handlers.mentoring.common import STALE_BUTTON, as_id, card, role_in, today, valid
from handlers.mentoring.router import router
from store.mentoring import queries as store
from store.mentoring.models import STAGES_OF_EVALUATION, EvaluationResponse, Relationship
from store.mentoring.queries import DuePair

QUESTIONS = {
    "useful": "How useful has mentoring been so far?",
    "meetings": "How well are your meetings working?",
    "objectives": "How much progress has there been on the objectives?",
}
ROUND_GRACE = timedelta(days=28)
EARLIER = "earlier"
STAGE_NAMES = {"midpoint": "mid-point", "end": "end"}
SCALE = [
    Option(label=f"{n} — {w}", value=str(n))
    for n, w in zip(
        range(1, 6), ("not at all", "a little", "somewhat", "well", "very well"), strict=True
    )
]


def prompts(pair: DuePair | Relationship, stage: str) -> list[Queued]:
    """The evaluation invitation for each of the pair; the outbox key makes each one once."""
    name = STAGE_NAMES[stage]
    text = (
        f"It's time for your {name} mentoring evaluation: three quick scores and an optional "
        "comment. It's anonymous — the coordinator only ever sees totals from enough people."
    )
    message = card(
        text,
        Button(
            label=f"Answer the {name} evaluation",
            action_id="mentor.evaluate",
            value=f"{pair.id}:{stage}",
            style="primary",
        ),
    )
    return [
        Queued(
            key=f"mentor.eval:{pair.id}:{stage}:{member_id}",
            kind="mentor",
            message=message,
            member_id=member_id,
        )
        for member_id in (pair.mentee_id, pair.mentor_id)
    ]


def _parse(value: str) -> tuple[int | None, str]:
    relationship, _, stage = value.partition(":")
    return as_id(relationship), stage


def evaluation_form(stage: str, state: str) -> Form:
    return Form(
        form_id="mentor.evaluate",
        title=f"{STAGE_NAMES[stage].capitalize()} evaluation",
        intro="Anonymous: your answers are stored without your name.",
        submit_label="Send",
        state=state,
        inputs=[
            *(
                Input(
                    name=key,
                    # At the end there is no "so far": it is a look back over the whole.
                    label=question.replace(" so far", "") if stage == "end" else question,
                    kind="select",
                    options=SCALE,
                )
                for key, question in QUESTIONS.items()
            ),
            Input(
                name="comment",
                label="Anything else? (optional)",
                kind="long_text",
                required=False,
                max_length=2000,
            ),
        ],
    )


# --- rounds ---------------------------------------------------------------------------


def round_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def round_closes(round_: str) -> datetime:
    """A round closes `ROUND_GRACE` after its quarter ends; "earlier" (answers given before
    rounds existed) is closed."""
    if round_ == EARLIER:
        return datetime.min.replace(tzinfo=UTC)
    year, quarter = int(round_[:4]), int(round_[5:])
    ends = date(year + quarter // 4, quarter % 4 * 3 + 1, 1)
    return datetime.combine(ends + ROUND_GRACE, time(), tzinfo=UTC)


def round_name(round_: str) -> str:
    if round_ == EARLIER:
        return "before rounds began"
    months = ("January–March", "April–June", "July–September", "October–December")
    return f"due {months[int(round_[5:]) - 1]} {round_[:4]}"


def _round_due(relationship: Relationship, stage: str) -> str | None:
    """The round an evaluation belongs to: the quarter it fell due; None if not due yet."""
    prompted = getattr(relationship, f"{stage}_prompted_at")
    return round_of(prompted.date()) if prompted is not None else None


async def _relationship_to_evaluate(ctx: Context, value: str) -> tuple[Relationship, str] | None:
    relationship_id, stage = _parse(value)
    relationship = (
        await store.relationship_for(ctx.session, relationship_id, ctx.member.id)
        if relationship_id is not None and stage in STAGES_OF_EVALUATION
        else None
    )
    round_ = _round_due(relationship, stage) if relationship is not None else None
    if relationship is None or round_ is None:
        ctx.reply(STALE_BUTTON)  # not yours, or not due yet
        return None
    if await store.has_returned(ctx.session, relationship.id, ctx.member.id, stage):
        ctx.reply(already_answered())
        return None
    if anonymity.is_closed(round_closes(round_), ctx.now()):
        ctx.reply(
            f"That evaluation closed on {round_closes(round_):%-d %B %Y} — thank you all the same."
        )
        return None
    return relationship, round_


def already_answered() -> str:
    return "You've already returned this evaluation — thank you! Each person answers once."


@router.action("mentor.evaluate")
async def open_evaluation(ctx: Context, value: str) -> None:
    if await _relationship_to_evaluate(ctx, value) is not None:
        ctx.open_form(evaluation_form(_parse(value)[1], value))


@router.form("mentor.evaluate", anonymous=True)
async def answer(ctx: Context, submitted: FormSubmission) -> None:
    found = await _relationship_to_evaluate(ctx, submitted.state)
    if found is None:
        return
    relationship, round_ = found
    stage = _parse(submitted.state)[1]
    values = valid(ctx, evaluation_form(stage, submitted.state), submitted)
    if values is None:
        return
    scores = {key: int(values[key]) for key in QUESTIONS}
    saved = await store.record_evaluation(
        ctx.session,
        relationship,
        ctx.member.id,
        stage,
        round_,
        role_in(relationship, ctx.member.id),
        scores,
        values.get("comment"),
        today(ctx),
    )
    ctx.reply("Thank you — your answers are saved anonymously." if saved else already_answered())


# --- what the coordinator sees ------------------------------------------------------------


def summary(
    responses: list[EvaluationResponse], returned: dict[tuple[str, str], int], now: datetime
) -> list[str]:
    """Per stage and round: average scores, by role, and comments, only for closed rounds
    and only where the anonymity rule allows; open rounds say when they close."""
    lines: list[str] = []
    answers: dict[tuple[str, str], list[EvaluationResponse]] = defaultdict(list)
    for response in responses:
        answers[(response.stage, response.round)].append(response)
    for stage in STAGES_OF_EVALUATION:
        rounds = sorted({r for s, r in returned | answers if s == stage}, reverse=True)
        for round_ in rounds:
            lines += _round_lines(
                stage,
                round_,
                answers.get((stage, round_), []),
                returned.get((stage, round_), 0),
                now,
            )
    return lines


def _round_lines(
    stage: str, round_: str, group: list[EvaluationResponse], answered: int, now: datetime
) -> list[str]:
    name = f"{STAGE_NAMES[stage].capitalize()} evaluations {round_name(round_)}"
    closes = round_closes(round_)
    roles = {role: sum(1 for r in group if r.role == role) for role in ("mentor", "mentee")}
    comments = sorted(r.comment for r in group if r.comment)
    shown = anonymity.release(
        closed=anonymity.is_closed(closes, now),
        answers=len(group),
        answered=answered,
        comments=len(comments),
        breakdowns={"role": roles},
    )
    if not shown.closed:
        return [f"{name}: {answered} returned so far; results after {closes:%-d %B %Y}."]
    if not shown.scores:
        return [f"{name}: {answered} returned. {shown.why_not}"]
    lines = [f"{name}, everyone ({len(group)}): {_averages(group)}"]
    for role, count in roles.items():
        if shown.shows("role", role):
            lines.append(f"  {role}s ({count}): {_averages([r for r in group if r.role == role])}")
        elif count:
            lines.append(f"  {role}s: hidden to keep answers anonymous")
    if shown.text:
        lines += [f"  “{comment}”" for comment in comments]
    elif comments:
        lines.append(
            f"  Comments appear only when at least {anonymity.MIN_FOR_TEXT} people wrote one."
        )
    return lines


async def seal_closed(session: AsyncSession, now: datetime) -> int:
    """Seal every closed round (store/anonymous.py): shuffled, and what can never be shown
    deleted."""
    sealed = 0
    for scheme_id, stage, round_ in await store.evaluation_rounds_unsealed(session):
        if not anonymity.is_closed(round_closes(round_), now):
            continue
        group = [
            r
            for r in await store.evaluation_responses(session, scheme_id)
            if r.stage == stage and r.round == round_
        ]
        keep = anonymity.keeps(len(group), sum(1 for r in group if r.comment))
        sealed += await store.seal_evaluation_round(session, scheme_id, stage, round_, *keep)
    return sealed


def _averages(responses: list[EvaluationResponse]) -> str:
    return ", ".join(
        f"{key} {sum(r.scores[key] for r in responses) / len(responses):.1f}" for key in QUESTIONS
    )
