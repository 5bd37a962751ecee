"""Asking someone to be your mentor, and their answer: accept (introductions) or decline."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Actions, Button, Fields, Form, Input, Message, Section
from handlers.mentoring import schedule
from handlers.mentoring.common import (
    NOT_IN_A_SCHEME,
    STALE_BUTTON,
    as_id,
    card,
    closed_to_mentees,
    member_line,
    scheme_for,
    today,
)
from handlers.mentoring.find import suggestion_block
from handlers.mentoring.matching import WEIGHTS
from handlers.mentoring.router import router
from handlers.mentoring.suggest import seeker_for, suggest
from store.mentoring import queries as store
from store.mentoring.models import MentoringProfile, MentorRequest, Scheme
from store.models import Member


@router.action("mentor.request")
async def ask(ctx: Context, value: str) -> None:
    mentor_id = as_id(value)
    scheme = await scheme_for(ctx)
    if scheme is None:
        ctx.reply(NOT_IN_A_SCHEME)
        return
    problem = closed_to_mentees(scheme, today(ctx)) or await why_not(
        ctx.session, scheme, ctx.member.id, mentor_id, today(ctx)
    )
    if problem:
        ctx.reply(problem)
        return
    mentor = await ctx.session.get(Member, mentor_id)
    assert mentor is not None
    ctx.open_form(request_form(mentor, str(mentor_id)))


def request_form(mentor: Member, state: str) -> Form:
    return Form(
        form_id="mentor.request",
        title="Ask for a mentor",
        intro=f"Ask {mentor.display_name} to be your mentor.",
        submit_label="Send request",
        state=state,
        inputs=[
            Input(
                name="message",
                label="What do you hope to get from mentoring?",
                kind="long_text",
                max_length=1000,
                hint="A line or two is plenty. Your mentor sees this with your request.",
            )
        ],
    )


@router.form("mentor.request")
async def send(ctx: Context, submitted: FormSubmission) -> None:
    mentor_id = as_id(submitted.state)
    scheme = await scheme_for(ctx)
    mentor = await ctx.session.get(Member, mentor_id) if mentor_id else None
    if scheme is None or mentor is None:
        ctx.reply(NOT_IN_A_SCHEME if scheme is None else STALE_BUTTON)
        return
    form = request_form(mentor, submitted.state)
    checked = check(form, submitted.fields)
    if ctx.errors_shown(form, submitted, checked.errors):
        return
    problem = closed_to_mentees(scheme, today(ctx)) or await why_not(
        ctx.session, scheme, ctx.member.id, mentor.id, today(ctx)
    )
    if problem:
        ctx.reply(problem)
        return
    now = ctx.now()
    request = MentorRequest(
        scheme_id=scheme.id,
        mentee_id=ctx.member.id,
        mentor_id=mentor.id,
        status="pending",
        message=checked.values["message"],
        created_at=now,
        expires_at=now + timedelta(days=scheme.request_days),
    )
    if not await store.create_request(ctx.session, request):
        ctx.reply(await _already_waiting(ctx.session, scheme, ctx.member.id) or "")
        return
    await notify_mentor(ctx, request, scheme)
    answer_by = ctx.local(request.expires_at).strftime("%A %-d %B")
    ctx.reply(
        f"I've sent your request to {mentor.display_name}. They have until {answer_by} to "
        "answer, and I'll let you know either way."
    )


async def notify_mentor(ctx: Context, request: MentorRequest, scheme: Scheme) -> None:
    mentee = await ctx.session.get(Member, request.mentee_id)
    assert mentee is not None
    await ctx.session.refresh(mentee, ["institution"])
    answer_by = request.expires_at.strftime("%-d %B")
    opening = (
        f"The {scheme.name} coordinator suggests you as a mentor for {member_line(mentee)}."
        if request.via_match
        else f"{member_line(mentee)} would like you as their mentor in the {scheme.name}."
    )
    text = (
        opening
        + (f"\nThey hope: {request.message}" if request.message else "")
        + f"\nPlease answer by {answer_by}."
    )
    value = str(request.id)
    message = card(
        text,
        Button(label="Accept", action_id="mentor.accept", value=value, style="primary"),
        Button(label="Decline", action_id="mentor.decline", value=value),
    )
    await ctx.notify(request.mentor_id, message, key=f"mentor.request:{request.id}", kind="mentor")


async def why_not(
    session: AsyncSession, scheme: Scheme, mentee_id: int, mentor_id: int | None, day: date
) -> str | None:
    """Why this mentee may not ask this mentor now, in words; None when they may."""
    if mentor_id == mentee_id:
        return "You can't be your own mentor — type mentor find for suggestions."
    profile = await store.profile_of(session, mentor_id) if mentor_id else None
    if profile is None or profile.role == "mentee" or profile.capacity <= 0:
        return "That person isn't offering to mentor just now. Type mentor find for suggestions."
    mentor = await session.get(Member, profile.member_id)
    paused = bool(profile.paused_until and profile.paused_until > day)
    if paused or (mentor is not None and mentor.proactive_paused):
        return "That mentor has paused new mentees for now. Type mentor find for others."
    if profile.open_places <= 0:
        return "That mentor has no room for another mentee just now. Type mentor find for others."
    if not await store.in_scheme(session, scheme.id, profile.member_id):
        return "That mentor isn't in your mentoring scheme. Type mentor find for suggestions."
    excluded = await store.excluded_mentors(session, scheme.id, mentee_id, include_previous=True)
    if mentor_id in excluded:
        pending = await store.pending_request_of(session, scheme.id, mentee_id)
        if pending is not None:
            return await _already_waiting(session, scheme, mentee_id)
        return "I can't send a request to that mentor. Type mentor find for other suggestions."
    return await _already_waiting(session, scheme, mentee_id, only_if_pending=True)


async def _already_waiting(
    session: AsyncSession, scheme: Scheme, mentee_id: int, *, only_if_pending: bool = False
) -> str | None:
    pending = await store.pending_request_of(session, scheme.id, mentee_id)
    if pending is None:
        return None if only_if_pending else "You already have a request waiting."
    names = await store.names_of(session, [pending.mentor_id])
    return (
        f"You already have a request waiting with {names.get(pending.mentor_id, 'a mentor')}. "
        "One at a time keeps things fair — withdraw it first if you'd like to ask someone else."
    )


@router.action("mentor.withdraw")
async def withdraw_button(ctx: Context, value: str) -> None:
    await withdraw(ctx, "")


@router.command("mentor", "withdraw", summary="Withdraw your waiting mentor request")
async def withdraw(ctx: Context, args: str) -> None:
    waiting = await store.requests_made_by(ctx.session, ctx.member.id)
    if not waiting:
        ctx.reply("You have no request waiting.")
        return
    for request in waiting:
        await store.answer_request(ctx.session, request.id, "withdrawn", ctx.now())
    ctx.reply(card("Done — your request is withdrawn.", find_button("Find another mentor")))


def find_button(label: str = "Find a mentor") -> Button:
    return Button(label=label, action_id="mentor.find", value="0|0|", style="primary")


def agreement_button(relationship_id: int) -> Button:
    return Button(
        label="Fill in the agreement",
        action_id="mentor.agreement",
        value=str(relationship_id),
        style="primary",
    )


# --- the mentor answers ------------------------------------------------------------------


async def _own_pending(ctx: Context, value: str) -> MentorRequest | None:
    """The request a button names, only if it was sent to the person pressing it."""
    request_id = as_id(value)
    request = await ctx.session.get(MentorRequest, request_id) if request_id else None
    if request is None or request.mentor_id != ctx.member.id:
        ctx.reply("I can't find that request among the ones sent to you.")
        return None
    if request.status == "pending" and request.expires_at <= ctx.now():
        ctx.reply(
            "Sorry, that request has expired, so it can't be answered now. "
            "The mentee has been told and may ask again."
        )
        return None
    if request.status != "pending":
        ctx.reply(_already(request.status))
        return None
    return request


def _already(status: str) -> str:
    return {
        "accepted": "You've already accepted this request — type mentor status to see what's next.",
        "declined": "You've already declined this request.",
        "withdrawn": "The mentee withdrew this request, so there's nothing more to do.",
        "expired": "Sorry, that request has expired, so it can't be answered now.",
    }.get(status, STALE_BUTTON)


@router.action("mentor.accept")
async def accept(ctx: Context, value: str) -> None:
    request = await _own_pending(ctx, value)
    if request is None:
        return
    await store.refresh_open_places(ctx.session, ctx.member.id, WEIGHTS)  # locks the profile row
    profile = await store.profile_of(ctx.session, ctx.member.id)
    if profile is None or profile.open_places <= 0:
        capacity = profile.capacity if profile else 0
        ctx.reply(
            f"You're at capacity ({capacity} mentee{'s' if capacity != 1 else ''}), so I can't "
            "accept this one. Raise your capacity in mentor profile edit, or decline it."
        )
        return
    if not await store.answer_request(ctx.session, request.id, "accepted", ctx.now()):
        await ctx.session.refresh(request)
        ctx.reply(_already(request.status))
        return
    relationship = await store.start_relationship(ctx.session, request, ctx.now(), WEIGHTS)
    scheme = await store.scheme(ctx.session, relationship.scheme_id)
    if scheme is not None:
        schedule.started(relationship, scheme, today(ctx))
    mentor = ctx.member
    mentee = await ctx.session.get(Member, request.mentee_id)
    assert mentee is not None
    await _introduce(ctx, relationship.id, to=mentee, about=mentor, their_role="mentor")
    await _introduce(ctx, relationship.id, to=mentor, about=mentee, their_role="mentee")
    ctx.update(
        card(
            f"You accepted {mentee.display_name}'s request — thank you! I've introduced you "
            "both. Please arrange a first “getting to know each other” meeting; after that, "
            f"{mentee.display_name} arranges and leads the meetings. When you're ready, fill in "
            "your mentoring agreement together.",
            agreement_button(relationship.id),
        )
    )


async def _introduce(
    ctx: Context, relationship_id: int, *, to: Member, about: Member, their_role: str
) -> None:
    """Contact details, and each other's mentoring profile, are shared only now."""
    await ctx.session.refresh(about, ["institution"])
    place = about.institution.name if about.institution else "their institution"
    email = about.email or "no e-mail on record — reply to them here"
    next_step = (
        f"{about.display_name} will be in touch to arrange your first meeting."
        if their_role == "mentor"
        else "Please arrange a first “getting to know each other” meeting."
    )
    text = (
        f"Meet your {their_role}: {about.display_name}, {place} ({email}). {next_step} "
        "Together you'll fill in a mentoring agreement."
    )
    pairs = profile_pairs(await store.profile_of(ctx.session, about.id), their_role)
    blocks: list = [Section(text=text)]
    if pairs:
        blocks.append(Fields(pairs=pairs))
        text += "\n" + "\n".join(f"{label}: {value}" for label, value in pairs)
    blocks.append(Actions(buttons=[agreement_button(relationship_id)]))
    await ctx.notify(
        to.id,
        Message(text=text, blocks=blocks),
        key=f"mentor.intro:{relationship_id}:{to.id}",
        kind="mentor",
    )


def profile_pairs(profile: MentoringProfile | None, as_role: str) -> list[tuple[str, str]]:
    """What one of a new pair may see of the other's mentoring profile."""
    if profile is None:
        return []
    pairs = [
        ("Specialisms", ", ".join(profile.specialisms)),
        ("Registration", ", ".join(profile.registration_held)),
    ]
    if as_role == "mentor":
        pairs.append(("Offers", profile.offer))
    else:
        pairs += [
            ("Working towards", ", ".join(profile.registration_sought)),
            ("Looking for", profile.looking_for),
        ]
    return [(label, value) for label, value in pairs if value]


@router.action("mentor.decline")
async def decline_button(ctx: Context, value: str) -> None:
    request = await _own_pending(ctx, value)
    if request is None:
        return
    ctx.open_form(decline_form(str(request.id)))


def decline_form(state: str) -> Form:
    return Form(
        form_id="mentor.decline",
        title="Decline a request",
        submit_label="Decline",
        state=state,
        intro="That's fine — I'll let them know kindly and suggest someone else.",
        inputs=[
            Input(
                name="reason",
                label="Reason (optional)",
                kind="long_text",
                required=False,
                max_length=1000,
                hint="Only the scheme coordinator sees this; the mentee never does.",
            )
        ],
    )


@router.form("mentor.decline")
async def decline(ctx: Context, submitted: FormSubmission) -> None:
    form = decline_form(submitted.state)
    checked = check(form, submitted.fields)
    if ctx.errors_shown(form, submitted, checked.errors):
        return
    request = await _own_pending(ctx, submitted.state)
    if request is None:
        return
    reason = checked.values.get("reason")
    if not await store.answer_request(ctx.session, request.id, "declined", ctx.now(), reason):
        ctx.reply(STALE_BUTTON)
        return
    mentee = await ctx.session.get(Member, request.mentee_id)
    assert mentee is not None
    opening = (
        f"{ctx.member.display_name} isn't able to take on a mentee just now — "
        "that's no reflection on you."
    )
    message = await next_suggestion(ctx.session, request.scheme_id, mentee, today(ctx), opening)
    await ctx.notify(mentee.id, message, key=f"mentor.declined:{request.id}", kind="mentor")
    ctx.reply("Thanks for letting them know. I've passed it on kindly.")


async def next_suggestion(
    session: AsyncSession, scheme_id: int, mentee: Member, day: date, opening: str
) -> Message:
    """A kind notice with the best mentor to ask next, or how to look again."""
    profile = await store.profile_of(session, mentee.id)
    found = (
        await suggest(session, scheme_id, seeker_for(mentee, profile), today=day, count=1)
        if profile is not None
        else None
    )
    look_again = find_button("Find another mentor")
    if not found or not found.suggestions:
        return card(f"{opening} Look again whenever you like.", look_again)
    block = suggestion_block(found.suggestions[0])
    text = f"{opening} You might ask:\n{block.text}"
    return Message(
        text=text,
        blocks=[Section(text=f"{opening} You might ask:"), block, Actions(buttons=[look_again])],
    )
