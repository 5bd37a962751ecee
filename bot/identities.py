"""When an identity's platform profile was last fetched, for adapters that keep it fresh.

Adapters call the platform's profile API (Slack `users.info`) only on first
sight or when this says the copy is stale, so most requests make no such call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.inbound import Identity
from store.models import PlatformIdentity


def _matching(who: Identity) -> Any:
    return (
        (PlatformIdentity.platform == who.platform)
        & (PlatformIdentity.workspace == who.workspace)
        & (PlatformIdentity.user_id == who.user_id)
    )


async def profile_synced_at(
    sessions: async_sessionmaker[AsyncSession], who: Identity
) -> datetime | None:
    """When this identity's profile was last fetched; None if never (or unknown identity)."""
    async with sessions() as session, session.begin():
        return await session.scalar(
            select(PlatformIdentity.profile_synced_at).where(_matching(who))
        )


async def mark_profile_synced(
    sessions: async_sessionmaker[AsyncSession],
    who: Identity,
    now: datetime,
    conversation: dict[str, Any] | None = None,
) -> None:
    """Record a fresh profile fetch, and where a direct message to this person goes."""
    values: dict[str, Any] = {"profile_synced_at": now}
    if conversation:
        values["conversation"] = conversation
    async with sessions() as session, session.begin():
        await session.execute(update(PlatformIdentity).where(_matching(who)).values(**values))
