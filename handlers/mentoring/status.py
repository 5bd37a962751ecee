"""`mentor status` and the dashboard: your relationships and requests, and what comes next."""

from __future__ import annotations

from bot.context import Context
from bot.ui import Block, Button, Heading, Message, Section
from handlers.mentoring.common import partner_of, role_in, today
from handlers.mentoring.router import router
from store.mentoring import queries as store
from store.mentoring.models import Relationship


@router.command("mentor", summary="Your mentoring at a glance", example="mentor")
async def overview(ctx: Context, args: str) -> None:
    if args.strip():
        ctx.reply("I don't know that mentoring command. Type help mentor to see them all.")
        return
    await status(ctx, args)


@router.command("mentor", "status", summary="Your mentoring relationships and what's next")
async def status(ctx: Context, args: str) -> None:
    blocks = await status_blocks(ctx)
    if not blocks:
        start = (
            "Type mentor find to look for a mentor, or mentor profile to check your profile."
            if await store.profile_of(ctx.session, ctx.member.id)
            else "Type mentor profile edit to join as a mentor or mentee."
        )
        ctx.reply(f"You have no mentoring relationships or requests yet. {start}")
        return
    text = "\n".join(b.text for b in blocks if isinstance(b, Section | Heading))
    ctx.reply(Message(text=text, blocks=blocks))


@router.home_section(30)
async def dashboard(ctx: Context) -> list[Block]:
    return await status_blocks(ctx)


async def status_blocks(ctx: Context) -> list[Block]:
    blocks: list[Block] = []
    for relationship in await store.relationships_of(ctx.session, ctx.member.id):
        partner = await partner_of(ctx, relationship)
        role = role_in(relationship, ctx.member.id)
        other = "mentee" if role == "mentor" else "mentor"
        since = ctx.local(relationship.started_at)
        text = (
            f"{partner.display_name}, your {other} since {since:%-d %B %Y}. "
            f"Next: {await _next(ctx, relationship)}"
        )
        button = Button(label="Log a meeting", action_id="mentor.log", value=str(relationship.id))
        blocks.append(Section(text=text, button=button))
    for request in await store.requests_waiting_for(ctx.session, ctx.member.id):
        names = await store.names_of(ctx.session, [request.mentee_id])
        blocks.append(
            Section(
                text=f"{names[request.mentee_id]} has asked you to be their mentor.",
                button=Button(label="Accept", action_id="mentor.accept", value=str(request.id)),
            )
        )
    for request in await store.requests_made_by(ctx.session, ctx.member.id):
        names = await store.names_of(ctx.session, [request.mentor_id])
        answer_by = ctx.local(request.expires_at)
        blocks.append(
            Section(
                text=f"Your request to {names[request.mentor_id]} is waiting for an answer "
                f"(until {answer_by:%-d %B})."
            )
        )
    return [Heading(text="Mentoring"), *blocks] if blocks else []


async def _next(ctx: Context, relationship: Relationship) -> str:
    """What the pair should do next; the mentee books meetings after the first one."""
    is_mentee = relationship.mentee_id == ctx.member.id
    day = today(ctx)
    if relationship.last_meeting_on is None:
        return (
            "your mentor will arrange a first getting-to-know-each-other meeting."
            if is_mentee
            else "arrange a first getting-to-know-each-other meeting."
        )
    if relationship.agreed_at is None:
        return "fill in your mentoring agreement together (mentor agreement)."
    if relationship.midpoint_prompted_at and not await store.has_returned(
        ctx.session, relationship.id, ctx.member.id, "midpoint"
    ):
        return "answer the mid-point evaluation."
    if relationship.next_meeting_on and relationship.next_meeting_on >= day:
        return f"your next meeting on {relationship.next_meeting_on:%A %-d %B}."
    return "book your next meeting." if is_mentee else "your mentee will book the next meeting."
