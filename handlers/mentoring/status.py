"""`mentor status` and the dashboard: your relationships and requests, and what comes next."""

from __future__ import annotations

from bot.context import Context
from bot.ui import Actions, Block, Button, Heading, Message, Section
from handlers.mentoring.common import card, partner_of, role_in, scheme_for, setup_button, today
from handlers.mentoring.evaluations import STAGE_NAMES, evaluation_form
from handlers.mentoring.requests import agreement_button
from handlers.mentoring.router import router
from store.mentoring import queries as store
from store.mentoring.models import Relationship


@router.command("mentor", summary="Your mentoring at a glance", example="mentor")
async def overview(ctx: Context, args: str) -> None:
    if args.strip():
        ctx.reply(f"I don't know “mentor {args.strip()[:30]}”. Type mentor help to see them all.")
        return
    await status(ctx, args)


@router.command("mentor", "status", summary="Your mentoring relationships and what's next")
async def status(ctx: Context, args: str) -> None:
    blocks = await status_blocks(ctx)
    if not blocks:
        ctx.reply(await nothing_yet(ctx))
        return
    text = "\n".join(b.text for b in blocks if isinstance(b, Section | Heading))
    ctx.reply(Message(text=text, blocks=blocks))


async def nothing_yet(ctx: Context) -> Message:
    """No pair or request yet: the next step for who they are (mentor, mentee, neither)."""
    profile = await store.profile_of(ctx.session, ctx.member.id)
    opening = "You have no mentoring relationships or requests yet."
    if profile is None:
        return card(
            f"{opening} Say whether you'd like to mentor, be mentored or both.", setup_button()
        )
    if profile.role == "mentor":
        return card(
            f"{opening} You're offering to mentor: when a mentee asks you, I'll tell you here.",
            Button(label="Edit my mentoring profile", action_id="mentor.profile"),
        )
    scheme = await scheme_for(ctx)
    if scheme is not None and not scheme.self_select:
        return card(
            f"{opening} In the {scheme.name} your coordinator matches mentees with mentors, "
            "so you're on their list — I'll tell you as soon as you're matched."
        )
    return card(
        opening,
        Button(label="Find a mentor", action_id="mentor.find", value="0|0|", style="primary"),
    )


@router.home_section(30)
async def dashboard(ctx: Context) -> list[Block]:
    """Each relationship and request with its next action; else how to start."""
    blocks = await status_blocks(ctx)
    if blocks:
        return blocks
    return [Heading(text="Mentoring"), *(await nothing_yet(ctx)).blocks]


async def status_blocks(ctx: Context) -> list[Block]:
    blocks: list[Block] = []
    for relationship in await store.relationships_of(ctx.session, ctx.member.id):
        partner = await partner_of(ctx, relationship)
        role = role_in(relationship, ctx.member.id)
        other = "mentee" if role == "mentor" else "mentor"
        since = ctx.local(relationship.started_at)
        step, button = await next_step(ctx, relationship)
        text = f"{partner.display_name}, your {other} since {since:%-d %B %Y}. Next: {step}"
        blocks.append(Section(text=text, button=button))
    for request in await store.requests_waiting_for(ctx.session, ctx.member.id):
        names = await store.names_of(ctx.session, [request.mentee_id])
        blocks.append(
            Section(
                text=f"{names[request.mentee_id]} has asked you to be their mentor.",
                button=Button(label="Accept", action_id="mentor.accept", value=str(request.id)),
            )
        )
        blocks.append(
            Actions(
                buttons=[Button(label="Decline", action_id="mentor.decline", value=str(request.id))]
            )
        )
    for request in await store.requests_made_by(ctx.session, ctx.member.id):
        names = await store.names_of(ctx.session, [request.mentor_id])
        answer_by = ctx.local(request.expires_at)
        blocks.append(
            Section(
                text=f"Your request to {names[request.mentor_id]} is waiting for an answer "
                f"(until {answer_by:%-d %B}).",
                button=Button(label="Withdraw it", action_id="mentor.withdraw"),
            )
        )
    return [Heading(text="Mentoring"), *blocks] if blocks else []


async def next_step(ctx: Context, relationship: Relationship) -> tuple[str, Button | None]:
    """What the pair should do next, and the button that does it; the mentee books
    meetings after the first one."""
    is_mentee = relationship.mentee_id == ctx.member.id
    value = str(relationship.id)
    log = Button(label="Log a meeting", action_id="mentor.log", value=value)
    if relationship.last_meeting_on is None:
        if is_mentee:
            return "your mentor will arrange a first getting-to-know-each-other meeting.", None
        return "arrange a first getting-to-know-each-other meeting.", log
    if relationship.agreed_at is None:
        return "fill in your mentoring agreement together.", agreement_button(relationship.id)
    waiting = await evaluation_waiting(ctx, relationship)
    if waiting is not None:
        name = STAGE_NAMES[waiting]
        return f"answer the {name} evaluation.", evaluate_button(relationship, waiting)
    day = today(ctx)
    if relationship.next_meeting_on and relationship.next_meeting_on >= day:
        return f"your next meeting on {relationship.next_meeting_on:%A %-d %B}.", log
    if is_mentee:
        booked = Button(label="I've booked it", action_id="mentor.booked", value=value)
        return "book your next meeting.", booked
    return "your mentee will book the next meeting.", log


async def evaluation_waiting(ctx: Context, relationship: Relationship) -> str | None:
    """The evaluation this member was asked for and hasn't returned: the end one first,
    so a mid-point question never lingers once the end has come."""
    for stage in ("end", "midpoint"):
        asked = getattr(relationship, f"{stage}_prompted_at")
        if asked is None:
            continue
        returned = await store.has_returned(ctx.session, relationship.id, ctx.member.id, stage)
        return None if returned else stage
    return None


@router.command(
    "mentor", "evaluation", summary="Answer a mentoring evaluation you've been asked for"
)
async def evaluation(ctx: Context, args: str) -> None:
    for relationship in await store.relationships_of(ctx.session, ctx.member.id, active_only=False):
        stage = await evaluation_waiting(ctx, relationship)
        if stage is not None:
            ctx.open_form(evaluation_form(stage, f"{relationship.id}:{stage}"))
            return
    ctx.reply(
        "There's no evaluation waiting for you just now. I'll ask you at the mid-point of "
        "your mentoring and again at the end."
    )


def evaluate_button(relationship: Relationship, stage: str) -> Button:
    return Button(
        label=f"Answer the {STAGE_NAMES[stage]} evaluation",
        action_id="mentor.evaluate",
        value=f"{relationship.id}:{stage}",
        style="primary",
    )
