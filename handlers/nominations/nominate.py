"""`nominate`: a member picks a category and a colleague — anyone in the network, on Slack
or Teams, found by name — and says why, against the category's word limit.

The nominee is asked, privately and warmly, whether they are happy to go forward
(handlers/nominations/consent.py). A second nomination of the same person in the same
category joins the first as a supporting statement. Until the internal deadline (and
after it, once the coordinator has sent advice) a nominator can edit what they wrote.
"""

from __future__ import annotations

from bot.context import Context
from bot.forms import check, words_hint
from bot.inbound import FormSubmission
from bot.ui import Actions, Block, Button, Confirm, Form, Heading, Hint, Input, Message, Section
from handlers.nominations.common import CONSENT, STALE, as_id, day, excerpt, phase
from handlers.nominations.router import router
from handlers.text import inert, one_line
from store.members import institutions as all_institutions
from store.models import Member
from store.nominations import queries as store
from store.nominations.models import Category, Drive, Nomination, Support

STATEMENT_CHARACTERS = 3000  # what a Slack modal's text box holds
MAX_DRIVES = 3


@router.command("nominate", summary="Nominate a colleague for an award", example="nominate")
async def start(ctx: Context, args: str) -> None:
    drives = await store.open_drives(ctx.session, ctx.now())
    words = args.strip().lower()
    if words:
        drives = [d for d in drives if words in d.title.lower()] or drives
    if not drives:
        ctx.reply(
            "No award drive is taking nominations just now — I'll tell you when one opens."
            + await review_hint(ctx)
        )
        return
    blocks: list[Block] = []
    for drive in drives[:MAX_DRIVES]:
        blocks += await drive_blocks(ctx, drive)
    hint = await review_hint(ctx)
    if hint:
        blocks.append(Hint(text=hint.strip()))
    ctx.reply(
        Message(text=f"Open for nominations: {', '.join(d.title for d in drives)}.", blocks=blocks)
    )


@router.action("nominate.start")
async def start_from_announcement(ctx: Context, value: str) -> None:
    drive = await store.drive(ctx.session, as_id(value))
    if drive is None or drive.status == "draft":
        ctx.reply(STALE)
        return
    problem = closed_to_nominations(ctx, drive)
    if problem:
        ctx.reply(problem)
        return
    blocks = await drive_blocks(ctx, drive)
    ctx.reply(Message(text=f"Nominate a colleague for {drive.title}.", blocks=blocks))


async def review_hint(ctx: Context) -> str:
    if await store.panel_drives(ctx.session, ctx.member.id):
        return " You're on a review panel: type nominate review to see what's left to score."
    return ""


def closed_to_nominations(ctx: Context, drive: Drive) -> str | None:
    if phase(drive, ctx.now()) != "nominating":
        return (
            f"Nominations for {drive.title} closed on "
            f"{day(drive.internal_deadline, ctx.timezone)}. Thank you for thinking of a colleague "
            "— look out for the next drive."
        )
    return None


async def drive_blocks(ctx: Context, drive: Drive) -> list[Block]:
    """One drive: its categories, each with Nominate, and what this member has written."""
    blocks: list[Block] = [
        Heading(text=drive.title),
        Section(text=f"Nominations close {day(drive.internal_deadline, ctx.timezone)}."),
    ]
    for found in drive.categories:
        text = "\n".join(part for part in (found.name, found.description) if part)
        if found.eligibility:
            text += f"\nEligibility: {found.eligibility}"
        blocks.append(
            Section(
                text=text,
                button=Button(label="Nominate", action_id="nominate.category", value=str(found.id)),
            )
        )
    blocks += await my_blocks(ctx, drive)
    return blocks


async def my_blocks(ctx: Context, drive: Drive) -> list[Block]:
    mine = await store.my_statements(ctx.session, drive.id, ctx.member.id)
    if not mine:
        return []
    blocks: list[Block] = [Section(text="Your nominations:")]
    for item in mine:
        what = "your supporting statement" if item.support else state_words(item.nomination)
        line = f"{item.nominee} for {item.category} — {what}."
        button = None
        if await editable(ctx, drive, item.nomination):
            value = f"s{item.support.id}" if item.support else f"n{item.nomination.id}"
            button = Button(label="Edit", action_id="nominate.edit", value=value)
        blocks.append(Section(text=line, button=button))
    return blocks


def state_words(nomination: Nomination) -> str:
    return "accepted" if nomination.status == "accepted" else "waiting for their answer"


# --- the statement form ------------------------------------------------------------------


def statement_form(found: Category, *, state: str, with_colleague: bool, text: str = "") -> Form:
    statement = Input(
        name="statement",
        label="Why do they deserve it?",
        kind="long_text",
        max_length=STATEMENT_CHARACTERS,
        word_limit=found.word_limit,
        initial=text or None,
    )
    statement.hint = (
        f"Up to {found.word_limit} words: what they did, for whom, and the difference it made. "
        f"{words_hint(statement)}."
    )
    inputs = [statement]
    if with_colleague:
        inputs.insert(
            0,
            Input(
                name="colleague",
                label="Colleague",
                max_length=120,
                placeholder="Their name, as it shows in Slack or Teams",
            ),
        )
    intro = found.description or found.name
    if found.eligibility:
        intro += f"\nEligibility: {found.eligibility}"
    return Form(
        form_id="nominate.submit" if with_colleague else "nominate.revise",
        title=f"Nominate: {found.name}"[:24] if with_colleague else "Edit your statement",
        intro=intro,
        submit_label="Nominate" if with_colleague else "Save",
        state=state,
        inputs=inputs,
    )


@router.action("nominate.category")
async def pick_category(ctx: Context, value: str) -> None:
    found = await store.category(ctx.session, as_id(value))
    if found is None or found.drive.status == "draft":
        ctx.reply(STALE)
        return
    problem = closed_to_nominations(ctx, found.drive)
    if problem:
        ctx.reply(problem)
        return
    ctx.open_form(statement_form(found, state=str(found.id), with_colleague=True))


@router.form("nominate.submit")
async def submit(ctx: Context, submitted: FormSubmission) -> None:
    found = await store.category(ctx.session, as_id(submitted.state))
    if found is None or found.drive.status == "draft":
        ctx.reply(STALE)
        return
    problem = closed_to_nominations(ctx, found.drive)
    if problem:
        ctx.reply(problem)
        return
    form = statement_form(found, state=submitted.state, with_colleague=True)
    checked = check(form, submitted.fields)
    errors = dict(checked.errors)
    nominee = None
    if checked.values.get("colleague"):
        nominee, why_not = await colleague(ctx, found, one_line(checked.values["colleague"]))
        if why_not:
            errors["colleague"] = why_not
    if ctx.errors_shown(form, submitted, errors) or nominee is None:
        return
    statement = inert(checked.values["statement"])
    done = await store.nominate(ctx.session, found, nominee, ctx.member.id, statement, ctx.now())
    if done.outcome == "new" and nominee.id == ctx.member.id:
        await store.accept(ctx.session, done.nomination, "", ctx.now())  # consent is given
    elif done.outcome == "new":
        await ask_consent(ctx, done.nomination, found, nominee)
    ctx.reply(thanks(ctx, done, found, nominee))


async def colleague(ctx: Context, found: Category, name: str) -> tuple[Member | None, str | None]:
    """The member named, if they may be nominated in this category; otherwise why not."""
    matches = await store.members_named(ctx.session, name)
    exact = [m for m in matches if m.display_name.lower() == name.lower()]
    if len(exact) == 1 or len(matches) == 1:
        nominee = (exact or matches)[0]
    elif matches:
        places = await store.institution_names(ctx.session)
        listed = "; ".join(
            f"{m.display_name}" + (f" ({places[m.institution_id]})" if m.institution_id else "")
            for m in matches[:5]
        )
        return None, f"Several members match “{name[:40]}”: {listed}. Please type the full name."
    else:
        return None, (
            f"I can't find a member called “{name[:40]}”. Only members of the network can be "
            "nominated: ask them to say hello to Benchmate in Slack or Teams, then nominate "
            "them here."
        )
    return nominee, await ineligible(ctx, found, nominee)


async def ineligible(ctx: Context, found: Category, nominee: Member) -> str | None:
    if nominee.id == ctx.member.id and not found.self_nomination:
        return (
            f"{found.name} doesn't take self-nominations — ask a colleague to nominate you. "
            "(Your statement is kept below.)"
        )
    if found.institutions and nominee.institution_id not in found.institutions:
        names = [p.name for p in await all_institutions(ctx.session) if p.id in found.institutions]
        return f"{found.name} is open to members of {', '.join(names)} only."
    if found.career_stages:
        stage = await store.career_stage(ctx.session, nominee.id)
        if stage is not None and stage not in found.career_stages:
            return f"{found.name} is for {' or '.join(found.career_stages)} career stages only."
    return None


async def ask_consent(
    ctx: Context, nomination: Nomination, found: Category, nominee: Member
) -> None:
    """The nominee hears privately, and decides."""
    nominator = ctx.member.display_name
    first = nominee.display_name.split(" ")[0] or "there"
    text = (
        f"Hello {first} — {nominator} has nominated you for {found.name} in "
        f"{found.drive.title}. You deserve to be seen! Would you like to go forward? "
        "If you accept, you can add a few facts about your work for the panel."
    )
    value = str(nomination.id)
    message = Message(
        text=text,
        blocks=[
            Section(text=text),
            Actions(
                buttons=[
                    Button(
                        label="Accept", action_id="nominate.accept", value=value, style="primary"
                    ),
                    Button(
                        label="Decline",
                        action_id="nominate.decline",
                        value=value,
                        confirm=Confirm(
                            title="Decline this nomination?",
                            text=f"{nominator} will be told kindly, without any detail.",
                            confirm="Decline",
                        ),
                    ),
                ]
            ),
            Hint(text="Only you, the person who nominated you and the coordinator can see this."),
        ],
    )
    await ctx.notify(nominee.id, message, key=f"{CONSENT}:{nomination.id}", kind=CONSENT)


def thanks(ctx: Context, done: store.Nominated, found: Category, nominee: Member) -> Message:
    name = nominee.display_name
    until = day(found.drive.internal_deadline, ctx.timezone)
    nomination = done.nomination
    if done.outcome == "repeat":
        text = f"You've already nominated {name} for {found.name}. Press Edit to change it."
    elif done.outcome == "support" and nomination.status == "accepted":
        text = (
            f"{name} is already nominated for {found.name}, so your statement joins that "
            "nomination as a supporting statement — thank you, it makes it stronger."
        )
    elif nominee.id == ctx.member.id:
        text = f"Your self-nomination for {found.name} is in. Good luck!"
    else:
        text = (
            f"Thank you — your nomination of {name} for {found.name} is in. I'll ask {name} "
            "if they're happy to go forward, and let you know."
        )
    text += f" You can edit what you wrote until {until}."
    mine = next((s for s in nomination.supports if s.supporter_id == ctx.member.id), None)
    value = (
        f"s{mine.id}" if mine and nomination.nominator_id != ctx.member.id else f"n{nomination.id}"
    )
    return Message(
        text=text,
        blocks=[
            Section(text=text),
            Actions(buttons=[Button(label="Edit", action_id="nominate.edit", value=value)]),
        ],
    )


# --- editing -------------------------------------------------------------------------------


async def editable(ctx: Context, drive: Drive, nomination: Nomination) -> bool:
    """Before the internal deadline; after it, once the coordinator has sent advice, until
    the external deadline."""
    now = ctx.now()
    if drive.status != "open":
        return False
    if now < drive.internal_deadline:
        return True
    return now < drive.external_deadline and await store.has_feedback(ctx.session, nomination.id)


async def own_statement(ctx: Context, value: str) -> tuple[Nomination, Support | None] | None:
    """The nomination a button names and, for a supporting statement, that statement:
    only if this member wrote it."""
    kind, number = value[:1], as_id(value[1:])
    if kind == "s":
        backing = await store.support(ctx.session, number)
        if backing is not None and backing.supporter_id == ctx.member.id:
            return backing.nomination, backing
    elif kind == "n":
        nomination = await store.nomination(ctx.session, number)
        if nomination is not None and nomination.nominator_id == ctx.member.id:
            return nomination, None
    ctx.reply("I can't find that statement among yours — it may have been withdrawn.")
    return None


@router.action("nominate.edit")
async def edit(ctx: Context, value: str) -> None:
    found = await own_statement(ctx, value)
    if found is None:
        return
    nomination, backing = found
    text = backing.statement if backing else nomination.statement
    category = await store.category(ctx.session, nomination.category_id)
    assert category is not None
    if not await editable(ctx, category.drive, nomination):
        ctx.reply(f"Statements for {category.drive.title} can't be changed now, sorry.")
        return
    ctx.open_form(statement_form(category, state=value, with_colleague=False, text=text))


@router.form("nominate.revise")
async def revise(ctx: Context, submitted: FormSubmission) -> None:
    found = await own_statement(ctx, submitted.state)
    if found is None:
        return
    nomination, backing = found
    category = await store.category(ctx.session, nomination.category_id)
    assert category is not None
    if not await editable(ctx, category.drive, nomination):
        ctx.reply(f"Statements for {category.drive.title} can't be changed now, sorry.")
        return
    form = statement_form(category, state=submitted.state, with_colleague=False)
    checked = check(form, submitted.fields)
    if ctx.errors_shown(form, submitted, checked.errors):
        return
    statement = inert(checked.values["statement"])
    if backing is not None:
        backing.statement, backing.updated_at = statement, ctx.now()
    else:
        nomination.statement = statement
    nomination.updated_at = ctx.now()
    ctx.reply(f"Saved. Your statement now reads: “{excerpt(statement, 25)}”")
