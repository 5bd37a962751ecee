"""`nominate review`: after the internal deadline the panel scores each consenting
nomination against the drive's criteria (1–5 each, with a comment).

A panel member sees only the nominations they may score: not their own, not one they
wrote for, not one from their own institution (flagged automatically), and not one
where they declared a conflict of interest. Everything is checked again on the server
when a score arrives — who is on the panel, the review window, the conflict — never
taken from the button or the form.
"""

from __future__ import annotations

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import (
    Actions,
    Block,
    Button,
    Confirm,
    Form,
    Heading,
    Hint,
    Input,
    Message,
    Option,
    Section,
)
from handlers.nominations.common import as_id, day, excerpt, phase
from handlers.nominations.router import router
from handlers.text import inert, plural
from store.nominations import queries as store
from store.nominations.models import Drive, Nomination

SCORES = [Option(label=str(n), value=str(n)) for n in range(1, 6)]
NOT_PANEL = "Sorry, only the drive's review panel can score its nominations."


@router.command(
    "nominate",
    "review",
    summary="Score the nominations you review (panel members)",
    example="nominate review",
)
async def review(ctx: Context, args: str) -> None:
    drives = await store.panel_drives(ctx.session, ctx.member.id)
    if not drives:
        ctx.reply("You're not on a review panel just now. Thank you for asking!")
        return
    blocks: list[Block] = []
    for drive in drives:
        blocks += await to_do(ctx, drive)
    ctx.reply(Message(text="Your reviews: " + ", ".join(d.title for d in drives), blocks=blocks))


async def to_do(ctx: Context, drive: Drive) -> list[Block]:
    """What is left for this panel member in one drive, and what is done."""
    blocks: list[Block] = [Heading(text=drive.title)]
    if phase(drive, ctx.now()) == "nominating":
        opens = day(drive.internal_deadline, ctx.timezone)
        return [*blocks, Section(text=f"Reviewing opens when nominations close, {opens}.")]
    if phase(drive, ctx.now()) != "review":
        return [*blocks, Section(text="The review for this drive has finished. Thank you!")]
    mine = await scorable(ctx, drive)
    done = await store.scores_by(ctx.session, drive.id, ctx.member.id)
    left = [n for n in mine if n.id not in done]
    until = day(drive.review_until, ctx.timezone)
    blocks.append(
        Section(text=f"{plural(len(left), 'nomination')} left to score of {len(mine)}, by {until}.")
    )
    names = await store.names_of(ctx.session, (n.nominee_id for n in mine))
    categories = {c.id: c.name for c in drive.categories}
    for nomination in mine:
        scored = done.get(nomination.id)
        status = f"scored {scored.mean:.2f}" if scored else "to score"
        blocks.append(
            Section(
                text=f"{names.get(nomination.nominee_id, '?')} — "
                f"{categories[nomination.category_id]} ({status})",
                button=Button(
                    label="Read and score" if not scored else "Change",
                    action_id="nominate.read",
                    value=str(nomination.id),
                ),
            )
        )
    hidden = len(await store.accepted_in(ctx.session, drive.id)) - len(mine)
    if hidden:
        blocks.append(
            Hint(text=f"{plural(hidden, 'nomination')} not shown: conflicts of interest.")
        )
    return blocks


async def scorable(ctx: Context, drive: Drive) -> list[Nomination]:
    declared = await store.declared_conflicts(ctx.session, drive.id, ctx.member.id)
    return [
        n
        for n in await store.accepted_in(ctx.session, drive.id)
        if store.conflicted(ctx.member, n, declared) is None
    ]


async def may_score(ctx: Context, value: str) -> tuple[Drive, Nomination] | None:
    """The nomination named, if this member may score it now; otherwise say why not."""
    nomination = await store.nomination(ctx.session, as_id(value))
    drive = await store.drive(ctx.session, nomination.drive_id) if nomination else None
    if nomination is None or drive is None or nomination.status != "accepted":
        ctx.reply("That nomination is no longer open for review.")
        return None
    if not await store.is_panelist(ctx.session, drive.id, ctx.member.id):
        ctx.reply(NOT_PANEL)
        return None
    if phase(drive, ctx.now()) != "review":
        ctx.reply(
            f"Scoring for {drive.title} is open from {day(drive.internal_deadline, ctx.timezone)} "
            f"to {day(drive.review_until, ctx.timezone)} only."
        )
        return None
    declared = await store.declared_conflicts(ctx.session, drive.id, ctx.member.id)
    why = store.conflicted(ctx.member, nomination, declared)
    if why:
        ctx.reply(f"You can't score that nomination: {why}. Thank you for your care.")
        return None
    return drive, nomination


@router.action("nominate.read")
async def read(ctx: Context, value: str) -> None:
    """The whole nomination: statement, supporting statements, the nominee's facts."""
    allowed = await may_score(ctx, value)
    if allowed is None:
        return
    drive, nomination = allowed
    names = await store.names_of(ctx.session, [nomination.nominee_id])
    category = next(c for c in drive.categories if c.id == nomination.category_id)
    blocks: list[Block] = [
        Heading(text=f"{names[nomination.nominee_id]} — {category.name}"),
        Section(text="Statement:\n" + nomination.statement),
        *[
            Section(text=f"Supporting statement {i}:\n{s.statement}")
            for i, s in enumerate(nomination.supports, start=1)
        ],
        Section(text="In their own words:\n" + (nomination.facts or "(nothing added)")),
        Actions(
            buttons=[
                Button(label="Score", action_id="nominate.score", value=value, style="primary"),
                Button(
                    label="Declare a conflict",
                    action_id="nominate.conflict",
                    value=value,
                    confirm=Confirm(
                        title="Declare a conflict of interest?",
                        text="You won't score this nomination, and any score you gave is "
                        "withdrawn.",
                        confirm="Declare",
                    ),
                ),
            ]
        ),
    ]
    ctx.reply(Message(text=f"Nomination: {names[nomination.nominee_id]}", blocks=blocks))


def score_form(drive: Drive, nomination: Nomination, excerpt_of: str) -> Form:
    inputs = [
        Input(name=f"c{i}", label=criterion[:60], kind="select", options=SCORES)
        for i, criterion in enumerate(drive.criteria)
    ]
    inputs.append(
        Input(
            name="comment",
            label="Comment",
            kind="long_text",
            required=False,
            max_length=1500,
            hint="Seen by the coordinator only, who may pass advice on to the nominator.",
        )
    )
    return Form(
        form_id="nominate.scores",
        title="Score a nomination",
        intro=f"1 is weak, 5 is outstanding. “{excerpt_of}”",
        submit_label="Save scores",
        state=str(nomination.id),
        inputs=inputs,
    )


@router.action("nominate.score")
async def score(ctx: Context, value: str) -> None:
    allowed = await may_score(ctx, value)
    if allowed is not None:
        drive, nomination = allowed
        ctx.open_form(score_form(drive, nomination, excerpt(nomination.statement, 20)))


@router.form("nominate.scores")
async def save(ctx: Context, submitted: FormSubmission) -> None:
    allowed = await may_score(ctx, submitted.state)
    if allowed is None:
        return
    drive, nomination = allowed
    form = score_form(drive, nomination, excerpt(nomination.statement, 20))
    checked = check(form, submitted.fields)
    if ctx.errors_shown(form, submitted, checked.errors):
        return
    scores = {criterion: int(checked.values[f"c{i}"]) for i, criterion in enumerate(drive.criteria)}
    comment = inert(checked.values.get("comment") or "")
    await store.save_score(ctx.session, nomination.id, ctx.member.id, scores, comment, ctx.now())
    left = [
        n
        for n in await scorable(ctx, drive)
        if n.id not in await store.scores_by(ctx.session, drive.id, ctx.member.id)
    ]
    more = (
        f" {plural(len(left), 'nomination')} left to score." if left else " That's all — thank you!"
    )
    ctx.reply(
        Message(
            text="Scores saved." + more,
            blocks=[
                Section(text="Scores saved." + more),
                Actions(buttons=[Button(label="Back to my reviews", action_id="nominate.reviews")]),
            ],
        )
    )


@router.action("nominate.reviews")
async def back(ctx: Context, value: str) -> None:
    await review(ctx, "")


@router.action("nominate.conflict")
async def conflict(ctx: Context, value: str) -> None:
    nomination = await store.nomination(ctx.session, as_id(value))
    if nomination is None or not await store.is_panelist(
        ctx.session, nomination.drive_id, ctx.member.id
    ):
        ctx.reply(NOT_PANEL)
        return
    await store.declare_conflict(ctx.session, nomination.id, ctx.member.id, ctx.now())
    ctx.reply("Thank you — noted. That nomination won't come to you for scoring.")
