"""After the first meeting: does the match feel right? Asked of each of the pair privately;
only a "not really" reaches the scheme's coordinator (and never the partner)."""

from __future__ import annotations

from bot.context import Context
from bot.ui import Button
from handlers.mentoring.common import card, own_active_relationship, partner_of, role_in
from handlers.mentoring.router import router
from store.mentoring import queries as store
from store.mentoring.models import Relationship
from store.models import Member


async def ask_both(ctx: Context, relationship: Relationship) -> None:
    """Queued once per person (the outbox key), however often the first meeting is logged."""
    for member_id, other_id in (
        (relationship.mentee_id, relationship.mentor_id),
        (relationship.mentor_id, relationship.mentee_id),
    ):
        other = await ctx.session.get(Member, other_id)
        name = other.display_name if other else "your partner"
        value = str(relationship.id)
        await ctx.notify(
            member_id,
            card(
                f"Now that you've met, does the match with {name} feel right? Only the scheme "
                "coordinator hears if it doesn't — never your partner.",
                Button(label="Yes, it feels right", action_id="mentor.fit", value=f"{value}:yes"),
                Button(label="Not really", action_id="mentor.fit", value=f"{value}:no"),
            ),
            key=f"mentor.fit:{relationship.id}:{member_id}",
            kind="mentor",
        )


@router.action("mentor.fit")
async def answer(ctx: Context, value: str) -> None:
    relationship_part, _, verdict = value.partition(":")
    relationship = await own_active_relationship(ctx, relationship_part)
    if relationship is None:
        return
    if verdict != "no":
        ctx.update("Lovely — thank you for letting me know.")
        return
    scheme = await store.scheme(ctx.session, relationship.scheme_id)
    partner = await partner_of(ctx, relationship)
    role = role_in(relationship, ctx.member.id)
    if scheme is not None and scheme.coordinator_id is not None:
        await ctx.notify(
            scheme.coordinator_id,
            f"After their first meeting, {ctx.member.display_name} ({role}) isn't sure the "
            f"match with {partner.display_name} feels right, in the {scheme.name}. A quiet "
            "word may help. Only you see this.",
            key=f"mentor.misfit:{relationship.id}:{ctx.member.id}",
            kind="mentor",
        )
    ctx.update(
        "Thank you for saying so. I've told the scheme coordinator privately, who may get in "
        f"touch; {partner.display_name} isn't told."
    )
