"""Going, Maybe or Can't go: answers with places, a waitlist and promotion in order.

The button names the event and the answer; everything else — is the event still
on, open to this member, before its deadline — is checked here. Places are
counted under the event's row lock (store.events.queries.answer), so two people racing
for the last place never both get it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.outbox import Queued
from bot.settings import Settings
from bot.ui import Message
from handlers.events.card import notice
from handlers.events.common import (
    PROMOTED,
    STALE,
    as_id,
    local_day,
    when,
    zone_of,
)
from handlers.events.router import router
from store.events import queries as store
from store.events.models import Event
from store.events.queries import Answered
from store.models import Member


@router.action("event.rsvp")
async def rsvp(ctx: Context, value: str) -> None:
    event_part, _, wanted = value.partition(":")
    event = await store.event_to_answer(ctx.session, as_id(event_part))
    if event is None or event.status == "draft" or wanted not in ("going", "maybe", "not_going"):
        ctx.reply(STALE)
        return
    problem = await why_not(ctx, event, wanted)
    if problem:
        ctx.reply(problem)
        return
    answered = await store.answer(ctx.session, event, ctx.member.id, wanted, ctx.now())
    await ctx.notify_many(
        await promotion_notices(ctx.session, ctx.settings, event, answered.promoted)
    )
    ctx.reply(confirmation(ctx, event, answered))


async def why_not(ctx: Context, event: Event, wanted: str) -> str | None:
    """Why this answer can't be taken now, kindly; None when it can.

    The audience comes first: someone the event is not open to learns nothing of it,
    not even its title, whatever state it is in.
    """
    if not await store.is_open_to(ctx.session, event, ctx.member):
        return "That event isn't open to you, sorry. Type event list to see the ones that are."
    if event.status == "cancelled":
        return f"Sorry — “{event.title}” was cancelled, so there's nothing to answer."
    if event.starts_at <= ctx.now():
        return f"“{event.title}” has already started, so answers are closed."
    deadline = event.rsvp_deadline
    if deadline and deadline <= ctx.now() and wanted != "not_going":
        return (
            f"Replies for “{event.title}” closed on {local_day(deadline, ctx.timezone)}. "
            "If you can't go after all, you can still say so."
        )
    return None


def confirmation(ctx: Context, event: Event, answered: Answered) -> Message:
    at = when(event, ctx.timezone)
    settings = ctx.settings
    match answered.answer:
        case "going" if answered.previous == "going":
            text = f"You're already down as going to “{event.title}”, {at}."
            return notice(event, settings, text, "not_going")
        case "going":
            text = (
                f"You're going to “{event.title}”, {at}. I'll remind you a day and an hour "
                "before. If plans change, press Can't go so your place goes to someone else."
            )
            return notice(event, settings, text, "not_going")
        case "waitlist":
            text = (
                f"“{event.title}” is full just now, so you're on the waitlist — number "
                f"{answered.place} in line. I'll tell you straight away if a place comes up."
            )
            return notice(event, settings, text, "not_going", calendar=False)
        case "maybe":
            text = (
                f"Noted as maybe for “{event.title}”, {at}. A maybe doesn't hold a place — "
                "press Going when you decide."
            )
            return notice(event, settings, text, "going", "not_going", calendar=False)
    text = f"Thanks for letting me know you can't make “{event.title}”."
    if answered.previous == "going":
        text += " Your place goes to the next person waiting."
    return notice(event, settings, text, "going", calendar=False)


async def promotion_notices(
    session: AsyncSession, settings: Settings, event: Event, promoted: list[tuple[int, int]]
) -> list[Queued]:
    """A place came up: tell each person moved up from the waitlist, once per promotion."""
    queued = []
    for member_id, position in promoted:
        member = await session.get(Member, member_id)
        zone = zone_of(settings, member.timezone if member else None)
        text = (
            f"Good news — a place has come up at “{event.title}”, {when(event, zone)}, and "
            "it's yours. If you can't make it after all, press Can't go so it goes to the "
            "next person."
        )
        message = notice(event, settings, text, "not_going")
        key = f"{PROMOTED}:{event.id}:{member_id}:{position}"
        queued.append(Queued(key, PROMOTED, message, member_id=member_id))
    return queued
