"""The nominee decides: **Accept** (and add a few facts about their work for the panel) or
**Decline**, kindly and quietly.

Only the nominee may answer — checked against who pressed, never the button's value. A
decline deletes the nomination and every statement on it, keeping only a count, and
the people who wrote them are told kindly, without detail. An acceptance is told to them
too, as good news.
"""

from __future__ import annotations

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Form, Input
from handlers.nominations.common import ANSWERED, as_id, day
from handlers.nominations.router import router
from handlers.text import inert
from store.nominations import queries as store
from store.nominations.models import Nomination

GONE = "That nomination is no longer open — it may have been withdrawn. Thank you all the same."


async def mine_to_answer(ctx: Context, value: str) -> Nomination | None:
    """The nomination a button names, if the person pressing is its nominee and it is
    still open to an answer."""
    nomination = await store.nomination(ctx.session, as_id(value))
    if nomination is None:
        ctx.reply(GONE)
        return None
    if nomination.nominee_id != ctx.member.id:
        ctx.reply("That nomination isn't yours to answer — only the person nominated can.")
        return None
    drive = await store.drive(ctx.session, nomination.drive_id)
    if drive is None or drive.status != "open" or ctx.now() >= drive.review_until:
        ctx.reply("The review for that drive has finished, so it can't be answered now. Sorry!")
        return None
    if nomination.status == "accepted":
        ctx.reply("You've already accepted — thank you, and good luck!")
        return None
    return nomination


def facts_form(nomination: Nomination) -> Form:
    return Form(
        form_id="nominate.facts",
        title="Accept the nomination",
        intro="Wonderful! Add a few facts about your work: the panel reads them beside what "
        "your colleague wrote.",
        submit_label="Accept",
        state=str(nomination.id),
        inputs=[
            Input(
                name="facts",
                label="A few facts about your work",
                kind="long_text",
                required=False,
                max_length=1500,
                placeholder="Your role, years in post, what you're proudest of.",
            )
        ],
    )


@router.action("nominate.accept")
async def accept(ctx: Context, value: str) -> None:
    nomination = await mine_to_answer(ctx, value)
    if nomination is not None:
        ctx.open_form(facts_form(nomination))


@router.form("nominate.facts")
async def accepted(ctx: Context, submitted: FormSubmission) -> None:
    nomination = await mine_to_answer(ctx, submitted.state)
    if nomination is None:
        return
    form = facts_form(nomination)
    checked = check(form, submitted.fields)
    if ctx.errors_shown(form, submitted, checked.errors):
        return
    facts = inert(checked.values.get("facts") or "")
    if not await store.accept(ctx.session, nomination, facts, ctx.now()):
        ctx.reply("You've already accepted — thank you, and good luck!")
        return
    found = await store.category(ctx.session, nomination.category_id)
    assert found is not None
    name = ctx.member.display_name
    for writer in writers(nomination):
        await ctx.notify(
            writer,
            f"Good news — {name} has accepted your nomination for {found.name} in "
            f"{found.drive.title}. Thank you for putting them forward.",
            key=f"{ANSWERED}:{nomination.id}:{writer}",
            kind=ANSWERED,
        )
    ctx.reply(
        f"Thank you — you're going forward for {found.name}. The panel reviews nominations "
        f"after {day(found.drive.internal_deadline, ctx.timezone)}. Good luck!"
    )


@router.action("nominate.decline")
async def decline(ctx: Context, value: str) -> None:
    nomination = await mine_to_answer(ctx, value)
    if nomination is None:
        return
    found = await store.category(ctx.session, nomination.category_id)
    assert found is not None
    nomination_id, name = nomination.id, ctx.member.display_name
    for writer in await store.decline(ctx.session, nomination):
        await ctx.notify(
            writer,
            f"Thank you for nominating {name} for {found.name}. They won't be going forward "
            "this time — but your kind words were passed on, and they count.",
            key=f"{ANSWERED}:{nomination_id}:{writer}",
            kind=ANSWERED,
        )
    ctx.update(
        "Thank you for letting me know. The nomination has been withdrawn quietly, and "
        "nothing about it is kept. Whoever nominated you will simply hear you're not going "
        "forward this time."
    )


def writers(nomination: Nomination) -> list[int]:
    people = [nomination.nominator_id, *(s.supporter_id for s in nomination.supports)]
    return [p for p in dict.fromkeys(people) if p is not None and p != nomination.nominee_id]
