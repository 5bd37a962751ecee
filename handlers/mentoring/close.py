"""`mentor end`: close a relationship formally with the exit form; offer the mentor again."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.inbound import FormSubmission
from bot.ui import Button, Form, Input, Message, Option
from handlers.mentoring import evaluations
from handlers.mentoring.common import (
    card,
    for_relationship,
    own_active_relationship,
    partner_of,
    role_in,
    today,
    valid,
)
from handlers.mentoring.matching import WEIGHTS
from handlers.mentoring.router import router
from store.mentoring import queries as store
from store.mentoring.models import EXIT_REASONS, Relationship

PAUSE_IF_NOT_NOW = timedelta(days=90)


@for_relationship("end", "mentor.end", "close", summary="Close a mentoring relationship formally")
async def end(ctx: Context, relationship: Relationship) -> None:
    ctx.open_form(exit_form(relationship))


def exit_form(relationship: Relationship) -> Form:
    return Form(
        form_id="mentor.end",
        title="Close the relationship",
        intro=(
            "Whether you've reached your objectives or it's time to stop, closing it here "
            "keeps the record and lets your partner know kindly. Thank you for your time."
        ),
        submit_label="Close it",
        state=str(relationship.id),
        inputs=[
            Input(
                name="reason",
                label="Why is it ending?",
                kind="select",
                options=[Option(label=label, value=key) for key, label in EXIT_REASONS.items()],
            ),
            Input(
                name="comment",
                label="Anything you'd like the coordinator to know? (optional)",
                kind="long_text",
                required=False,
                max_length=2000,
                hint="Seen by the scheme coordinator only, not by your partner.",
            ),
        ],
    )


@router.form("mentor.end")
async def close(ctx: Context, submitted: FormSubmission) -> None:
    relationship = await own_active_relationship(ctx, submitted.state)
    if relationship is None:
        return
    values = valid(ctx, exit_form(relationship), submitted)
    if values is None:
        return
    reason, comment = values["reason"], values.get("comment")
    if not await store.close_relationship(
        ctx.session, relationship, ctx.member.id, reason, comment, ctx.now(), WEIGHTS
    ):
        ctx.reply("That relationship is already closed.")
        return
    partner = await partner_of(ctx, relationship)
    await ctx.notify(
        partner.id,
        f"{ctx.member.display_name} has closed your mentoring relationship formally. "
        "Thank you for the time and care you've given it — every relationship teaches "
        "something. Your end-of-relationship evaluation follows.",
        key=f"mentor.closed:{relationship.id}:{partner.id}",
        kind="mentor",
    )
    await _tell_coordinator(ctx, relationship, reason, comment)
    if relationship.end_prompted_at is None:
        await ctx.notify_many(evaluations.prompts(relationship, "end"))
        relationship.end_prompted_at, relationship.end_due_on = ctx.now(), None
    offer = reoffer_message()
    if role_in(relationship, ctx.member.id) == "mentor":
        ctx.reply("The relationship is closed, and your partner has been told kindly.")
        ctx.reply(offer)
    else:
        ctx.reply("The relationship is closed, and your mentor has been told kindly.")
        await ctx.notify(
            relationship.mentor_id, offer, key=f"mentor.reoffer:{relationship.id}", kind="mentor"
        )


async def _tell_coordinator(
    ctx: Context, relationship: Relationship, reason: str, comment: str | None
) -> None:
    scheme = await store.scheme(ctx.session, relationship.scheme_id)
    if scheme is None or scheme.coordinator_id is None:
        return
    names = await store.names_of(ctx.session, [relationship.mentor_id, relationship.mentee_id])
    text = (
        f"A mentoring relationship in the {scheme.name} has closed: "
        f"{names[relationship.mentor_id]} (mentor) and {names[relationship.mentee_id]} (mentee). "
        f"Reason: {EXIT_REASONS[reason]}." + (f" Comment: {comment}" if comment else "")
    )
    await ctx.notify(
        scheme.coordinator_id,
        text,
        key=f"mentor.closed:{relationship.id}:coordinator",
        kind="mentor",
    )


def reoffer_message() -> Message:
    return card(
        "Would you like to be offered as an available mentor again?",
        Button(
            label="Yes, offer me again", action_id="mentor.reoffer", value="yes", style="primary"
        ),
        Button(label="Not just now", action_id="mentor.reoffer", value="no"),
    )


@router.action("mentor.reoffer")
async def reoffer(ctx: Context, value: str) -> None:
    profile = await store.profile_of(ctx.session, ctx.member.id)
    if profile is None or profile.role == "mentee":
        ctx.reply("You're not set up as a mentor. Type mentor profile edit to offer yourself.")
        return
    if value == "yes":
        profile.paused_until = None
        await store.refresh_open_places(ctx.session, ctx.member.id, WEIGHTS)
        ctx.update(
            f"Thank you! You're listed as available again, with room for "
            f"{profile.open_places} mentee{'s' if profile.open_places != 1 else ''}."
        )
        return
    profile.paused_until = today(ctx) + PAUSE_IF_NOT_NOW
    await store.refresh_open_places(ctx.session, ctx.member.id, WEIGHTS)
    ctx.update(
        f"No problem — I'll keep you off the list until {profile.paused_until:%-d %B %Y}. "
        "Change it any time with mentor profile edit."
    )
