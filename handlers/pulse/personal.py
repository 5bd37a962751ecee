"""Pulse surveys' part in `privacy export` and `privacy erase`."""

from __future__ import annotations

from bot.context import Context
from bot.router import PersonalData
from handlers.pulse.router import router
from store.pulse import personal as store


async def erase(ctx: Context, member_id: int) -> None:
    await store.scrub(ctx.session, member_id)


router.holds_personal_data(
    PersonalData(section="pulse", tables=store.TABLES, export=store.export, erase=erase)
)
