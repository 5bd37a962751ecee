"""Mid-point and end evaluations: prompted when due, answered anonymously, reported in aggregate."""

from __future__ import annotations

from collections import defaultdict

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


async def _relationship_to_evaluate(ctx: Context, value: str) -> Relationship | None:
    relationship_id, stage = _parse(value)
    relationship = (
        await store.relationship_for(ctx.session, relationship_id, ctx.member.id)
        if relationship_id is not None and stage in STAGES_OF_EVALUATION
        else None
    )
    if relationship is None:
        ctx.reply(STALE_BUTTON)
        return None
    if await store.has_returned(ctx.session, relationship.id, ctx.member.id, stage):
        ctx.reply(already_answered())
        return None
    return relationship


def already_answered() -> str:
    return "You've already returned this evaluation — thank you! Each person answers once."


@router.action("mentor.evaluate")
async def open_evaluation(ctx: Context, value: str) -> None:
    if await _relationship_to_evaluate(ctx, value) is not None:
        ctx.open_form(evaluation_form(_parse(value)[1], value))


@router.form("mentor.evaluate")
async def answer(ctx: Context, submitted: FormSubmission) -> None:
    relationship = await _relationship_to_evaluate(ctx, submitted.state)
    if relationship is None:
        return
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
        role_in(relationship, ctx.member.id),
        scores,
        values.get("comment"),
        today(ctx),
    )
    ctx.reply("Thank you — your answers are saved anonymously." if saved else already_answered())


# --- what the coordinator sees ------------------------------------------------------------


def summary(responses: list[EvaluationResponse]) -> list[str]:
    """Average scores per stage and role, and comments, only where the anonymity rule allows."""
    lines: list[str] = []
    by_stage: dict[str, dict[str, list[EvaluationResponse]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for response in responses:
        by_stage[response.stage][response.role].append(response)
    for stage in STAGES_OF_EVALUATION:
        groups = by_stage.get(stage)
        if not groups:
            continue
        total = sum(len(g) for g in groups.values())
        name = STAGE_NAMES[stage].capitalize()
        if not anonymity.can_show(total):
            lines.append(
                f"{name} evaluation: {total} returned — too few to show without "
                f"identifying anyone (results appear from {anonymity.MIN_FOR_SCORES})."
            )
            continue
        everyone = [r for group in groups.values() for r in group]
        lines.append(f"{name} evaluation, everyone ({total}): {_averages(everyone)}")
        shown = anonymity.shown_groups({role: len(g) for role, g in groups.items()})
        for role in sorted(groups):
            if role in shown:
                lines.append(f"  {role}s ({len(groups[role])}): {_averages(groups[role])}")
            else:
                lines.append(f"  {role}s: hidden to keep answers anonymous")
        comments = [r.comment for r in everyone if r.comment]
        if anonymity.can_show(len(everyone), "text"):
            lines += [f"  “{comment}”" for comment in sorted(comments)]
        elif comments:
            lines.append(f"  Comments appear once {anonymity.MIN_FOR_TEXT} people have answered.")
    return lines


def _averages(responses: list[EvaluationResponse]) -> str:
    return ", ".join(
        f"{key} {sum(r.scores[key] for r in responses) / len(responses):.1f}" for key in QUESTIONS
    )
