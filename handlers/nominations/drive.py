"""`nominate new`: a coordinator opens a drive — the award, its deadlines, the review panel
and the criteria it scores against, who hears about it — then adds its categories, each
with its eligibility, word limit and whether self-nomination is allowed, and sees a
preview with its reach before announcing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.context import Context
from bot.core import refusal
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import (
    Actions,
    Block,
    Button,
    Confirm,
    Fields,
    Form,
    Heading,
    Hint,
    Input,
    Message,
    Option,
    Section,
)
from handlers.audience import audience_inputs, audience_words, parse_audience, reach_of
from handlers.nominations.common import NOT_YOURS, as_id, day, managed, may_open_drives
from handlers.nominations.router import router
from handlers.text import inert, one_line, plural
from store.members import institutions as all_institutions
from store.mentoring.models import STAGES
from store.nominations import queries as store
from store.nominations.models import DEFAULT_CRITERIA, Category, Drive

TITLE_MAX = 150
MAX_CRITERIA = 8
MAX_PANEL = 20
WORDS = (50, 3000)


@router.command(
    "nominate",
    "new",
    summary="Open an award nomination drive (coordinators)",
    example="nominate new",
    shown_to="coordinator",
)
async def new(ctx: Context, args: str) -> None:
    if not may_open_drives(ctx):
        ctx.reply(refusal("coordinator"))
        return
    ctx.open_form(await drive_form(ctx))


@router.action("nominate.edit_drive")
async def edit(ctx: Context, value: str) -> None:
    drive = await managed(ctx, value)
    if drive is None:
        return
    if drive.status != "draft":
        ctx.reply("That drive has been announced, so its set-up can't change now.")
        return
    ctx.open_form(await drive_form(ctx, drive))


async def drive_form(ctx: Context, drive: Drive | None = None) -> Form:
    zone = ctx.timezone
    panel = await store.panel(ctx.session, drive.id) if drive else []

    def local(moment: datetime | None) -> str | None:
        return moment.astimezone(zone).date().isoformat() if moment else None

    inputs = [
        Input(
            name="title",
            label="Drive",
            placeholder="Papin Prizes 2027",
            max_length=TITLE_MAX,
            initial=drive.title if drive else None,
        ),
        Input(
            name="award",
            label="About the award",
            kind="long_text",
            max_length=1500,
            hint="What it is and who runs it, for the announcement.",
            initial=drive.award if drive else None,
        ),
        Input(
            name="internal_deadline",
            label="Nominations close (internal deadline)",
            kind="date",
            initial=local(drive.internal_deadline if drive else None),
        ),
        Input(
            name="review_until",
            label="The panel scores by",
            kind="date",
            initial=local(drive.review_until if drive else None),
        ),
        Input(
            name="external_deadline",
            label="External deadline",
            kind="date",
            hint="When the award body needs the nominations.",
            initial=local(drive.external_deadline if drive else None),
        ),
        Input(
            name="criteria",
            label="Scoring criteria",
            kind="long_text",
            max_length=600,
            hint="One per line; the panel scores each from 1 to 5.",
            initial="\n".join(drive.criteria if drive else DEFAULT_CRITERIA),
        ),
        Input(
            name="panel",
            label="Review panel",
            kind="long_text",
            max_length=1000,
            placeholder="Ada Lovelace, Grace Hopper",
            hint="Members' names, separated by commas.",
            initial=", ".join(m.display_name for m in panel) or None,
        ),
        *await audience_inputs(ctx.session, drive.audience if drive else {}, new=drive is None),
    ]
    return Form(
        form_id="nominate.drive",
        title="Open a nomination drive",
        intro="Set up the drive; you'll add its categories and see a preview before "
        "anything is announced.",
        submit_label="Next",
        state=str(drive.id) if drive else "",
        inputs=inputs,
    )


@router.form("nominate.drive")
async def save_drive(ctx: Context, submitted: FormSubmission) -> None:
    drive = None
    if submitted.state:
        drive = await managed(ctx, submitted.state)
        if drive is None:
            return
        if drive.status != "draft":
            ctx.reply("That drive has been announced, so its set-up can't change now.")
            return
    elif not may_open_drives(ctx):
        ctx.reply(refusal("coordinator"))
        return
    form = await drive_form(ctx, drive)
    parsed = await parse_drive(ctx, form, submitted)
    if ctx.errors_shown(form, submitted, parsed.errors):
        return
    now = ctx.now()
    if drive is None:
        drive = Drive(
            coordinator_id=ctx.member.id,
            status="draft",
            created_at=now,
            categories=[],
            **parsed.fields,
        )
        ctx.session.add(drive)
    else:
        for name, value in parsed.fields.items():
            setattr(drive, name, value)
    drive.updated_at = now
    await ctx.session.flush()
    await store.set_panel(ctx.session, drive.id, parsed.panel)
    ctx.reply(await preview(ctx, drive))


@dataclass
class Parsed:
    fields: dict[str, Any]
    panel: list[int]
    errors: dict[str, str]


async def parse_drive(ctx: Context, form: Form, submitted: FormSubmission) -> Parsed:
    checked = check(form, submitted.fields)
    values, errors = checked.values, dict(checked.errors)
    fields: dict[str, Any] = {}
    if values.get("title"):
        fields["title"] = one_line(values["title"])
    fields["award"] = inert(values.get("award") or "")
    deadlines = {
        name: end_of_day(ctx, values[name])
        for name in ("internal_deadline", "review_until", "external_deadline")
        if values.get(name)
    }
    if len(deadlines) == 3:
        if deadlines["internal_deadline"] <= ctx.now():
            errors["internal_deadline"] = "That day has passed — please give a day still to come."
        elif deadlines["review_until"] <= deadlines["internal_deadline"]:
            errors["review_until"] = "Please give a day after nominations close."
        elif deadlines["external_deadline"] < deadlines["review_until"]:
            errors["external_deadline"] = (
                "The internal review comes first: please give a day on or after the panel's."
            )
        fields.update(deadlines)
        fields["year"] = deadlines["external_deadline"].year
    criteria = [one_line(line)[:60] for line in (values.get("criteria") or "").splitlines()]
    fields["criteria"] = [c for c in criteria if c]
    if not fields["criteria"] and "criteria" not in errors:
        errors["criteria"] = "Please give at least one criterion."
    elif len(fields["criteria"]) > MAX_CRITERIA:
        errors["criteria"] = f"Please give at most {MAX_CRITERIA} criteria."
    panel, problem = await panel_members(ctx, values.get("panel") or "")
    if problem:
        errors["panel"] = problem
    fields["audience"] = parse_audience(values, errors)
    return Parsed(fields, panel, errors)


def end_of_day(ctx: Context, chosen: date) -> datetime:
    """A deadline day means the end of that day, in the coordinator's timezone."""
    return datetime.combine(chosen, time(23, 59), tzinfo=ctx.timezone)


async def panel_members(ctx: Context, text: str) -> tuple[list[int], str | None]:
    """Members named in the panel field, or what is wrong with the names."""
    names = [one_line(name) for name in text.replace("\n", ",").split(",") if name.strip()]
    if not names:
        return [], "Please name at least one panel member."
    if len(names) > MAX_PANEL:
        return [], f"Please name at most {MAX_PANEL} panel members."
    found, unknown, unclear = [], [], []
    for name in names:
        matches = await store.members_named(ctx.session, name)
        exact = [m for m in matches if m.display_name.lower() == name.lower()]
        if len(exact) == 1 or len(matches) == 1:
            found.append((exact or matches)[0].id)
        elif matches:
            unclear.append(f"“{name[:40]}” ({', '.join(m.display_name for m in matches[:4])})")
        else:
            unknown.append(f"“{name[:40]}”")
    problems = []
    if unknown:
        problems.append(f"I can't find {', '.join(unknown)} among the members.")
    if unclear:
        problems.append(f"Please give a full name for {'; '.join(unclear)}.")
    return found, " ".join(problems) or None


# --- categories -------------------------------------------------------------------------


@router.action("nominate.add_category")
async def add_category(ctx: Context, value: str) -> None:
    drive = await managed(ctx, value)
    if drive is None:
        return
    if drive.status != "draft":
        ctx.reply("That drive has been announced, so its categories can't change now.")
        return
    ctx.open_form(await category_form(ctx, drive))


async def category_form(ctx: Context, drive: Drive) -> Form:
    places = await all_institutions(ctx.session)
    inputs = [
        Input(name="name", label="Category", placeholder="Technician of the Year", max_length=120),
        Input(name="description", label="What it recognises", kind="long_text", max_length=1000),
        Input(
            name="eligibility",
            label="Who is eligible",
            kind="long_text",
            max_length=600,
            placeholder="Technicians in post for at least two years.",
        ),
        Input(
            name="career_stages",
            label="Only these career stages",
            kind="multi_select",
            required=False,
            hint="Optional: checked against the nominee's mentoring profile.",
            options=[Option(label=s.title(), value=s) for s in STAGES],
        ),
    ]
    if places:
        inputs.append(
            Input(
                name="institutions",
                label="Only these institutions",
                kind="multi_select",
                required=False,
                options=[Option(label=p.name, value=str(p.id)) for p in places],
            )
        )
    inputs += [
        Input(
            name="word_limit",
            label="Word limit for the statement",
            kind="number",
            min_value=WORDS[0],
            max_value=WORDS[1],
            initial="500",
        ),
        Input(
            name="self_nomination",
            label="Members may nominate themselves",
            kind="checkbox",
            required=False,
        ),
    ]
    return Form(
        form_id="nominate.category",
        title="Add a category",
        intro=f"A category of “{drive.title}”.",
        submit_label="Add",
        state=str(drive.id),
        inputs=inputs,
    )


@router.form("nominate.category")
async def save_category(ctx: Context, submitted: FormSubmission) -> None:
    drive = await managed(ctx, submitted.state)
    if drive is None:
        return
    drive = await store.locked_drive(ctx.session, drive.id)  # a second Add waits, then sees this
    if drive is None:
        ctx.reply(NOT_YOURS)
        return
    if drive.status != "draft":
        ctx.reply("That drive has been announced, so its categories can't change now.")
        return
    form = await category_form(ctx, drive)
    checked = check(form, submitted.fields)
    errors = dict(checked.errors)
    values = checked.values
    name = one_line(values.get("name") or "")
    if name and any(c.name.lower() == name.lower() for c in drive.categories):
        errors["name"] = "This drive already has a category by that name."
    if ctx.errors_shown(form, submitted, errors):
        return
    ctx.session.add(
        Category(
            drive_id=drive.id,
            position=len(drive.categories),
            name=name,
            description=inert(values["description"]),
            eligibility=inert(values["eligibility"]),
            career_stages=values.get("career_stages") or [],
            institutions=[int(i) for i in values.get("institutions") or []],
            word_limit=int(values["word_limit"]),
            self_nomination=bool(values.get("self_nomination")),
        )
    )
    await ctx.session.flush()
    await ctx.session.refresh(drive, ["categories"])
    ctx.reply(await preview(ctx, drive))


@router.action("nominate.remove_category")
async def remove_category(ctx: Context, value: str) -> None:
    found = await store.category(ctx.session, as_id(value))
    drive = await managed(ctx, str(found.drive_id) if found else "")
    if drive is None or found is None:
        return
    if drive.status != "draft":
        ctx.reply("That drive has been announced, so its categories can't change now.")
        return
    await ctx.session.delete(found)
    await ctx.session.flush()
    await ctx.session.refresh(drive, ["categories"])
    ctx.update(await preview(ctx, drive))


# --- the preview -------------------------------------------------------------------------


async def preview(ctx: Context, drive: Drive) -> Message:
    zone = ctx.timezone
    panel = await store.panel(ctx.session, drive.id)
    reach = await reach_of(ctx.session, drive.audience)
    who = await audience_words(ctx.session, drive.audience)
    blocks: list[Block] = [
        Heading(text=drive.title),
        Section(text=drive.award or "No description yet."),
        Fields(
            pairs=[
                ("Nominations close", day(drive.internal_deadline, zone)),
                ("The panel scores by", day(drive.review_until, zone)),
                ("External deadline", day(drive.external_deadline, zone)),
                ("Criteria", ", ".join(drive.criteria)),
                ("Panel", ", ".join(m.display_name for m in panel) or "—"),
            ]
        ),
    ]
    for found in drive.categories:
        blocks.append(
            Section(
                text=category_summary(found),
                button=Button(
                    label="Remove", action_id="nominate.remove_category", value=str(found.id)
                ),
            )
        )
    if not drive.categories:
        blocks.append(Hint(text="No categories yet: add at least one before announcing."))
    summary = f"The announcement will reach {reach.words()} ({who})."
    blocks.append(Section(text=summary))
    value = str(drive.id)
    announce = Button(
        label="Announce",
        action_id="nominate.announce",
        value=value,
        style="primary",
        confirm=Confirm(
            title="Announce this drive?",
            text=f"It goes to {reach.words()} now, and opens for nominations.",
            confirm="Announce",
        ),
    )
    buttons = [
        Button(label="Add a category", action_id="nominate.add_category", value=value),
        Button(label="Edit", action_id="nominate.edit_drive", value=value),
        Button(label="Discard", action_id="nominate.discard", value=value, style="danger"),
    ]
    if drive.categories:
        buttons.insert(0, announce)
    blocks.append(Actions(buttons=buttons))
    text = f"Preview: {drive.title}, {plural(len(drive.categories), 'category', 'categories')}."
    return Message(text=f"{text} {summary}", blocks=blocks)


def category_summary(found: Category) -> str:
    rules = [f"up to {found.word_limit} words"]
    if found.self_nomination:
        rules.append("self-nomination welcome")
    if found.career_stages:
        rules.append("career stage: " + ", ".join(found.career_stages))
    lines = [found.name, found.description, f"Eligibility: {found.eligibility}"]
    return "\n".join([*[line for line in lines if line], "(" + "; ".join(rules) + ")"])


@router.action("nominate.discard")
async def discard(ctx: Context, value: str) -> None:
    drive = await managed(ctx, value)
    if drive is None:
        return
    if drive.status != "draft":
        ctx.reply("That drive has been announced, so it can't be discarded. Close it instead.")
        return
    await ctx.session.delete(drive)
    ctx.update(f"Discarded the draft “{drive.title}”. Nothing was announced.")
