"""Events' part in `privacy export` and `privacy erase`: an erased member's places at
events still to come are given up, and the next person waiting is told as usual."""

from __future__ import annotations

from bot.context import Context
from bot.router import PersonalData
from handlers.events.router import router
from handlers.events.rsvp import promotion_notices
from store.events import personal as store
from store.events import queries


async def erase(ctx: Context, member_id: int) -> None:
    for event in await store.upcoming_places(ctx.session, member_id, ctx.now()):
        answered = await queries.answer(ctx.session, event, member_id, "not_going", ctx.now())
        await ctx.notify_many(
            await promotion_notices(ctx.session, ctx.settings, event, answered.promoted)
        )


router.holds_personal_data(
    PersonalData(section="events", tables=store.TABLES, export=store.export, erase=erase)
)
