"""`nominate shortlist`: the coordinator sees each category ranked by mean score, with the
spread and the number of scores (equal means share a rank: ties shown as ties), chooses
the shortlist, sends a nominator advice to strengthen a statement before the external
deadline ("quality enhancement"), and records the winners.

Panel comments reach a nominator only through the coordinator's own words; a nominator
never sees scores, and nobody outside the coordinator sees who scored what.
"""

from __future__ import annotations

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Actions, Block, Button, Confirm, Form, Heading, Hint, Input, Message, Section
from handlers.nominations.common import FEEDBACK, as_id, day, managed, phase, pick_managed
from handlers.nominations.router import router
from handlers.text import inert, plural
from store.nominations import queries as store
from store.nominations.models import Drive, Nomination
from store.nominations.queries import Ranked


@router.command(
    "nominate",
    "shortlist",
    summary="Nominations ranked by the panel's scores; shortlist, feedback, winners",
    example="nominate shortlist",
    shown_to="coordinator",
)
async def shortlist(ctx: Context, args: str) -> None:
    drive = await pick_managed(
        ctx, args, "nominate.show_shortlist", "shortlist", ("open", "closed")
    )
    if drive is not None:
        ctx.reply(await ranking(ctx, drive))


@router.action("nominate.show_shortlist")
async def show(ctx: Context, value: str) -> None:
    drive = await managed(ctx, value)
    if drive is not None:
        ctx.reply(await ranking(ctx, drive))


async def ranking(ctx: Context, drive: Drive) -> Message:
    blocks: list[Block] = [Heading(text=f"{drive.title}: the shortlist")]
    if phase(drive, ctx.now()) == "nominating":
        blocks.append(
            Hint(
                text=f"Nominations are open until {day(drive.internal_deadline, ctx.timezone)}; "
                "the panel scores after that."
            )
        )
    lines = []
    for category in drive.categories:
        entries = await store.ranked(ctx.session, category)
        blocks.append(Heading(text=category.name))
        if not entries:
            blocks.append(Section(text="No accepted nominations yet."))
        for entry in entries:
            line = entry_line(entry)
            lines.append(f"{category.name}: {line}")
            blocks += [Section(text=line), Actions(buttons=entry_buttons(entry))]
    return Message(text=f"{drive.title}: the shortlist.\n" + "\n".join(lines), blocks=blocks)


def entry_line(entry: Ranked) -> str:
    place = f"{entry.rank}{'=' if entry.tied else '.'}"
    who = entry.nominee + (f" ({entry.institution})" if entry.institution else "")
    if entry.mean is None:
        scores = "not scored yet"
    else:
        scores = (
            f"mean {float(entry.mean):.2f}, spread {float(entry.spread or 0):.2f}, "
            f"{plural(len(entry.means), 'score')}"
        )
    marks = [
        m
        for m, on in (
            ("shortlisted", entry.nomination.shortlisted),
            ("winner", entry.nomination.winner),
        )
        if on
    ]
    return f"{place} {who} — {scores}" + (f" · {', '.join(marks)}" if marks else "")


def entry_buttons(entry: Ranked) -> list[Button]:
    value = str(entry.nomination.id)
    listed = entry.nomination.shortlisted
    buttons = [
        Button(
            label="Remove from shortlist" if listed else "Shortlist",
            action_id="nominate.shortlist",
            value=value,
            style=None if listed else "primary",
        ),
        Button(label="Comments and advice", action_id="nominate.feedback", value=value),
    ]
    if not entry.nomination.winner:
        buttons.append(
            Button(
                label="Record as winner",
                action_id="nominate.winner",
                value=value,
                confirm=Confirm(
                    title="Record a winner?",
                    text=f"{entry.nominee} will be recorded as a winner in the report.",
                    confirm="Record",
                ),
            )
        )
    return buttons


async def managed_nomination(ctx: Context, value: str) -> tuple[Drive, Nomination] | None:
    """A nomination in a drive the asker manages, accepted by its nominee."""
    nomination = await store.nomination(ctx.session, as_id(value))
    drive = await managed(ctx, str(nomination.drive_id) if nomination else "")
    if drive is None or nomination is None:
        return None
    if nomination.status != "accepted":
        ctx.reply("That nomination hasn't been accepted by its nominee yet.")
        return None
    return drive, nomination


@router.action("nominate.shortlist")
async def toggle(ctx: Context, value: str) -> None:
    found = await managed_nomination(ctx, value)
    if found is None:
        return
    drive, nomination = found
    nomination.shortlisted = not nomination.shortlisted
    nomination.updated_at = ctx.now()
    ctx.update(await ranking(ctx, drive))


@router.action("nominate.winner")
async def winner(ctx: Context, value: str) -> None:
    found = await managed_nomination(ctx, value)
    if found is None:
        return
    drive, nomination = found
    if phase(drive, ctx.now()) == "nominating":
        ctx.reply("Winners can be recorded once nominations have closed.")
        return
    nomination.winner = nomination.shortlisted = True
    nomination.updated_at = ctx.now()
    ctx.update(await ranking(ctx, drive))


# --- advice to a nominator ------------------------------------------------------------------


async def advice_form(ctx: Context, nomination: Nomination) -> Form:
    category = await store.category(ctx.session, nomination.category_id)
    assert category is not None
    entries = await store.ranked(ctx.session, category)
    comments = next((e.comments for e in entries if e.nomination.id == nomination.id), [])
    said = "\n".join(f"• {c}" for c in comments) or "No comments from the panel yet."
    return Form(
        form_id="nominate.advice",
        title="Advice to the nominator",
        intro=f"What the panel said (only you see this):\n{said}",
        submit_label="Send",
        state=str(nomination.id),
        inputs=[
            Input(
                name="advice",
                label="Your advice, in your own words",
                kind="long_text",
                max_length=2000,
                hint="The nominator sees only this, never the scores or who said what.",
            )
        ],
    )


@router.action("nominate.feedback")
async def feedback(ctx: Context, value: str) -> None:
    found = await managed_nomination(ctx, value)
    if found is not None:
        ctx.open_form(await advice_form(ctx, found[1]))


@router.form("nominate.advice")
async def send_advice(ctx: Context, submitted: FormSubmission) -> None:
    found = await managed_nomination(ctx, submitted.state)
    if found is None:
        return
    drive, nomination = found
    form = await advice_form(ctx, nomination)
    checked = check(form, submitted.fields)
    if ctx.errors_shown(form, submitted, checked.errors):
        return
    if nomination.nominator_id is None or ctx.now() >= drive.external_deadline:
        ctx.reply("There's no one to send that to now, or the external deadline has passed.")
        return
    advice = inert(checked.values["advice"])
    await store.record_feedback(ctx.session, nomination.id, ctx.member.id, advice, ctx.now())
    names = await store.names_of(ctx.session, [nomination.nominee_id])
    nominee = names.get(nomination.nominee_id, "your colleague")
    category = next(c for c in drive.categories if c.id == nomination.category_id)
    text = (
        f"{ctx.member.display_name}, who coordinates {drive.title}, has some advice to make "
        f"your nomination of {nominee} for {category.name} even stronger before it goes to the "
        f"award body:\n“{advice}”\nYou can edit your statement until "
        f"{day(drive.external_deadline, ctx.timezone)}."
    )
    message = Message(
        text=text,
        blocks=[
            Section(text=text),
            Actions(
                buttons=[Button(label="Edit", action_id="nominate.edit", value=f"n{nomination.id}")]
            ),
        ],
    )
    count = len(await store.feedback_for(ctx.session, nomination.id))
    await ctx.notify(
        nomination.nominator_id,
        message,
        key=f"{FEEDBACK}:{nomination.id}:{count}",
        kind=FEEDBACK,
    )
    ctx.reply(f"Sent to the nominator of {nominee}. They can edit their statement now.")
