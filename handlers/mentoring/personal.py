"""Mentoring's part in `privacy export` and `privacy erase`.

On erasure a running relationship is closed, and the partner is told only that it
closed, with no reason; the mentor's place is offered again as usual.
"""

from __future__ import annotations

from bot.context import Context
from bot.router import PersonalData
from handlers.mentoring.matching import WEIGHTS
from handlers.mentoring.router import router
from store.mentoring import personal as store
from store.mentoring.queries import close_relationship, names_of

CLOSED_REASON = "circumstances"


async def erase(ctx: Context, member_id: int) -> None:
    for relationship in await store.active_relationships(ctx.session, member_id):
        if not await close_relationship(
            ctx.session, relationship, member_id, CLOSED_REASON, None, ctx.now(), WEIGHTS
        ):
            continue
        partner = (
            relationship.mentee_id
            if relationship.mentor_id == member_id
            else relationship.mentor_id
        )
        name = (await names_of(ctx.session, [member_id])).get(member_id, "your partner")
        await ctx.notify(
            partner,
            f"Your mentoring relationship with {name} has closed. Thank you for the time "
            "you've given it. Type mentor to see what's next for you.",
            key=f"mentor.closed:{relationship.id}:{partner}",
            kind="mentor",
        )
    await store.scrub(ctx.session, member_id)


router.holds_personal_data(
    PersonalData(section="mentoring", tables=store.TABLES, export=store.export, erase=erase)
)
