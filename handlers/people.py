"""Finding the member an admin names in a command, or saying kindly that there is none."""

from __future__ import annotations

from bot.context import Context
from store.members import member_by_reference
from store.models import Member


async def named_member(ctx: Context, who: str) -> Member | None:
    """The one member `who` names (an @mention, a handle, an e-mail or a full name), or None
    once the asker has been told; an erased member is no longer anyone."""
    member = await member_by_reference(ctx.session, who.strip(), ctx.inbound.who)
    if member is None or member.erased_at is not None:
        ctx.reply(
            f"I couldn't find exactly one member called “{who.strip()[:60]}”. "
            "Try their e-mail address or @mention them."
        )
        return None
    return member
