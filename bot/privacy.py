"""What Benchmate holds about a member, for `privacy`, and their pause on proactive messages.

A pause is honoured when each message is sent, so messages queued before it
are held back too: they are skipped with the reason, not saved up, so resuming
never brings a flood of stale reminders (see bot/dispatcher.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox import counts_for_member
from store.models import Member, PlatformIdentity


@dataclass(frozen=True)
class Holdings:
    platforms: list[str]  # platform names, e.g. ["slack", "teams"]
    messages: dict[str, int]  # outbox statuses for this member: waiting and the last 30 days


async def holdings(session: AsyncSession, member: Member, now: datetime) -> Holdings:
    platforms = await session.scalars(
        select(PlatformIdentity.platform)
        .where(PlatformIdentity.member_id == member.id)
        .order_by(PlatformIdentity.created_at)
    )
    return Holdings(
        list(dict.fromkeys(platforms)), await counts_for_member(session, member.id, now)
    )


def set_paused(member: Member, paused: bool, now: datetime) -> bool:
    """Pause or resume proactive messages; False when nothing changed."""
    if member.proactive_paused == paused:
        return False
    member.proactive_paused, member.updated_at = paused, now
    return True
