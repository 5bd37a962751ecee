"""Small things every part of the mentoring story shares."""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable
from datetime import date

from bot.context import Context
from bot.ui import Actions, Button, Message, Section
from handlers.mentoring.router import router
from store import mentoring as store
from store.mentoring import Relationship, Scheme
from store.models import Member

NOT_IN_A_SCHEME = (
    "You're not in a mentoring scheme yet. Type mentor profile edit to say what you offer "
    "or look for, and I'll add you to the scheme that's open."
)
STALE_BUTTON = "That button is from an older message and no longer works. Type mentor status."
COORDINATORS_ONLY = (
    "Sorry, that is only for the scheme's coordinator or a network admin. "
    "If you think you should have access, please ask a network admin."
)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def as_id(value: str) -> int | None:
    """A number from a button value or form state, or None if it is not one."""
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        return None


def today(ctx: Context) -> date:
    return ctx.local(ctx.now()).date()


def member_line(member: Member) -> str:
    """Name, job and institution: what a member may see of someone suggested to them."""
    place = member.institution.name if member.institution else ""
    extras = ", ".join(part for part in (member.job_title, place) if part)
    return f"{member.display_name} ({extras})" if extras else member.display_name


async def scheme_for(ctx: Context) -> Scheme | None:
    """The scheme a member finds mentors in: their first self-select scheme, else their first."""
    mine = await store.schemes_of(ctx.session, ctx.member.id)
    chosen = [s for s in mine if s.self_select] or mine
    return chosen[0] if chosen else None


async def partner_of(ctx: Context, relationship: Relationship) -> Member:
    other = (
        relationship.mentee_id
        if relationship.mentor_id == ctx.member.id
        else relationship.mentor_id
    )
    member = await ctx.session.get(Member, other)
    assert member is not None  # foreign key
    return member


def role_in(relationship: Relationship, member_id: int) -> str:
    return "mentor" if relationship.mentor_id == member_id else "mentee"


async def pick_relationship(ctx: Context, action_id: str, verb: str) -> Relationship | None:
    """The member's one active relationship; with several, buttons to choose; none, a hint."""
    active = await store.relationships_of(ctx.session, ctx.member.id)
    if len(active) == 1:
        return active[0]
    if not active:
        ctx.reply(
            "You have no active mentoring relationship just now. "
            "Type mentor find to look for a mentor."
        )
        return None
    blocks: list = [Section(text=f"Which relationship would you like to {verb}?")]
    buttons = []
    for relationship in active:
        partner = await partner_of(ctx, relationship)
        label = f"With {partner.display_name} ({role_in(relationship, ctx.member.id)})"
        buttons.append(Button(label=label, action_id=action_id, value=str(relationship.id)))
    blocks.append(Actions(buttons=buttons))
    ctx.reply(Message(text=f"Which relationship would you like to {verb}?", blocks=blocks))
    return None


async def own_active_relationship(ctx: Context, value: str) -> Relationship | None:
    """The relationship a button or form names, only if the asker is one of the pair."""
    relationship_id = as_id(value)
    found = (
        await store.relationship_for(ctx.session, relationship_id, ctx.member.id)
        if relationship_id is not None
        else None
    )
    if found is None or found.status != "active":
        ctx.reply(
            "I can't find that mentoring relationship among your active ones. "
            "Type mentor status to see yours."
        )
        return None
    return found


def card(text: str, *buttons: Button) -> Message:
    """A short message with its buttons underneath."""
    blocks: list = [Section(text=text)]
    if buttons:
        blocks.append(Actions(buttons=list(buttons)))
    return Message(text=text, blocks=blocks)


RelationshipStep = Callable[[Context, Relationship], Awaitable[None]]


def for_relationship(
    sub: str, action_id: str, verb: str, summary: str
) -> Callable[[RelationshipStep], RelationshipStep]:
    """Register `mentor <sub>` and the `action_id` button for a step on one relationship.

    The command picks the member's relationship (or asks which); the button names
    one, honoured only if the member is one of that pair.
    """

    def register(step: RelationshipStep) -> RelationshipStep:
        @router.command("mentor", sub, summary=summary, example=f"mentor {sub}")
        async def typed(ctx: Context, args: str) -> None:
            relationship = await pick_relationship(ctx, action_id, verb)
            if relationship is not None:
                await step(ctx, relationship)

        @router.action(action_id)
        async def pressed(ctx: Context, value: str) -> None:
            relationship = await own_active_relationship(ctx, value)
            if relationship is not None:
                await step(ctx, relationship)

        return step

    return register


async def is_coordinator_of(ctx: Context, scheme_id: int) -> bool:
    """Checked on the server from who is asking, never from a button's value."""
    if ctx.has_role("admin"):
        return True
    scheme = await store.scheme(ctx.session, scheme_id)
    return scheme is not None and scheme.coordinator_id == ctx.member.id
