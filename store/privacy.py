"""What Benchmate holds about a member, for `privacy`, and their pause on proactive messages.

A pause is honoured when each message is sent, so messages queued before it
are held back too: they are skipped with the reason, not saved up, so resuming
never brings a flood of stale reminders (see bot/dispatcher.py). Read by the `privacy` feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Member, OutboxMessage, PlatformIdentity


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


async def counts_for_member(session: AsyncSession, member_id: int, now: datetime) -> dict[str, int]:
    """Messages waiting for a member, and sent to them recently (for `privacy`)."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(
            OutboxMessage.member_id == member_id,
            (OutboxMessage.status.in_(("queued", "sending")))
            | (OutboxMessage.created_at >= now - timedelta(days=30)),
        )
        .group_by(OutboxMessage.status)
    )
    return dict(rows.all())
