"""The retention job: remove what is past its retention period, in small batches, and say
what went in the log. It runs hourly, so a restart never skips a day; each run removes
whatever has passed its time since the last (usually nothing)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.router import Router
from bot.runtime import Runtime
from store import retention

router = Router()
log = logging.getLogger("benchmate.retention")

BATCH = 1000


@router.job("retention", every=timedelta(hours=1))
async def run_retention(runtime: Runtime, now: datetime, batch: int = BATCH) -> int:
    """Every rule in turn, a batch per short transaction; rows removed in all."""
    total = 0
    for rule in retention.RULES:
        days = getattr(runtime.settings, rule.setting) if rule.setting else 0
        cutoff = now - timedelta(days=days)
        removed = 0
        while True:
            async with runtime.sessions() as session, session.begin():
                done = await rule.purge(session, cutoff, batch)
            removed += done
            if done < batch:
                break
            await asyncio.sleep(0)  # let waiting turns in between batches
        if removed:
            log.info(
                "retention removed %d %s",
                removed,
                rule.name,
                extra={"removed": removed, "what": rule.name, "older_than_days": days},
            )
        total += removed
    return total
