"""The retention job: remove what is past its retention period, in small batches, and say
what went in the log. It runs hourly, so a restart never skips a day; each run removes
whatever has passed its time since the last (usually nothing)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from bot.router import Router
from bot.runtime import Runtime
from store import retention

router = Router()
log = logging.getLogger("benchmate.retention")

BATCH = 1000
MAX_REST = 0.05  # seconds
BATCH_TIME = 0.02  # seconds a batch should take: a turn waiting behind it barely notices


@router.job("retention", every=timedelta(hours=1))
async def run_retention(runtime: Runtime, now: datetime, batch: int = BATCH) -> int:
    """Every rule in turn, a batch per short transaction; rows removed in all."""
    total = 0
    for rule in retention.RULES:
        days = getattr(runtime.settings, rule.setting) if rule.setting else 0
        cutoff = now - timedelta(days=days)
        removed, size = 0, batch
        while True:
            started = time.perf_counter()
            async with runtime.sessions() as session, session.begin():
                done = await rule.purge(session, cutoff, size)
            removed += done
            if done < size:
                break
            took = time.perf_counter() - started
            # Rest as long as the batch took, so turns get at least half the database's
            # time, and size the next batch to take about BATCH_TIME: short locks.
            await asyncio.sleep(min(took, MAX_REST))
            wanted = int(size * BATCH_TIME / max(took, 0.001))
            size = max(max(1, batch // 10), min(wanted, batch * 5))
        if removed:
            log.info(
                "retention removed %d %s",
                removed,
                rule.name,
                extra={"removed": removed, "what": rule.name, "older_than_days": days},
            )
        total += removed
    return total
