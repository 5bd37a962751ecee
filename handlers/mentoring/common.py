"""Small things every part of the mentoring story shares."""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from bot.context import Context
from bot.forms import check
from bot.ids import as_id
from bot.inbound import FormSubmission
from bot.ui import Actions, Button, Form, Message, Section
from handlers.mentoring.router import router
from store.mentoring import queries as store
from store.mentoring.models import Relationship, Scheme
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


FIND_NEXT = "find"  # the profile form's state when it was opened on the way to `mentor find`


def setup_button(label: str = "Set up my mentoring profile") -> Button:
    """Opens the profile form; once saved, the suggestions they were after follow."""
    return Button(label=label, action_id="mentor.profile", value=FIND_NEXT, style="primary")


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def today(ctx: Context) -> date:
    return ctx.local(ctx.now()).date()


def member_line(member: Member) -> str:
    """Name, job and institution: what a member may see of someone suggested to them."""
    place = member.institution.name if member.institution else ""
    extras = ", ".join(part for part in (member.job_title, place) if part)
    return f"{member.display_name} ({extras})" if extras else member.display_name


async def scheme_for(ctx: Context) -> Scheme | None:
    """The scheme a member finds mentors in: the first of theirs that lets mentees choose
    today, else the first self-select one, else their first."""
    mine = await store.schemes_of(ctx.session, ctx.member.id)
    day = today(ctx)
    ranked = sorted(mine, key=lambda s: (closed_to_mentees(s, day) is not None, not s.self_select))
    return ranked[0] if ranked else None


def window_text(scheme: Scheme, day: date) -> str:
    """The application window in words, e.g. "Open for applications until 31 January 2027"."""
    opens, closes = scheme.opens_on, scheme.closes_on
    if opens and day < opens:
        return f"Opens for applications on {opens:%-d %B %Y}" + (
            f", until {closes:%-d %B %Y}" if closes else ""
        )
    if closes and day > closes:
        return f"Closed to applications since {closes:%-d %B %Y}"
    return f"Open for applications until {closes:%-d %B %Y}" if closes else "Open for applications"


def closed_to_mentees(scheme: Scheme, day: date) -> str | None:
    """Why a mentee can't look for or ask a mentor in this scheme today; None when they can."""
    if not scheme.self_select:
        return (
            f"In the {scheme.name} the coordinator matches mentees with mentors, "
            "so you're on their list — I'll tell you when you're matched."
        )
    if scheme.opens_on and day < scheme.opens_on:
        return (
            f"The {scheme.name} opens for applications on {scheme.opens_on:%-d %B %Y}. "
            "You're on its list, so type mentor find then and I'll suggest mentors."
        )
    if scheme.closes_on and day > scheme.closes_on:
        return (
            f"The {scheme.name} closed to new requests on {scheme.closes_on:%-d %B %Y}, "
            "so I can't send requests in it just now. Your coordinator can still help — "
            "type mentor schemes to see who runs it."
        )
    return None


async def scheme_to_run(ctx: Context, args: str) -> Scheme | None:
    """The scheme named (or the only one) among those this member may run."""
    mine = await store.coordinates(ctx.session, ctx.member.id)
    wanted = args.split()[0].lower() if args.split() else ""
    chosen = [s for s in mine if s.short_name == wanted] if wanted else mine
    if not mine and ctx.has_role("admin"):
        ctx.reply("There are no mentoring schemes yet. Type mentor scheme new to set one up.")
        return None
    if not mine:
        ctx.reply(COORDINATORS_ONLY)
        return None
    if len(chosen) != 1:
        names = ", ".join(s.short_name for s in mine)
        ctx.reply(f"Which scheme? Add its short name, one of: {names}.")
        return None
    return chosen[0]


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


def valid(ctx: Context, form: Form, submitted: FormSubmission) -> dict[str, Any] | None:
    """The submitted values, or None once the form is shown again with its errors."""
    checked = check(form, submitted.fields)
    return None if ctx.errors_shown(form, submitted, checked.errors) else checked.values


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
