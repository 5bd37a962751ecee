"""Periodic work: the features' jobs plus outbox delivery, fired by APScheduler.

What is due lives in the database, so a job may run from `benchmate tick`, the
in-process worker or any number of worker processes without double effects.
APScheduler only says "now": its job store stays in memory (a shared store
double-fires jobs across processes).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.outbox import dispatch_due
from bot.runtime import Runtime
from store.db import is_unavailable

log = logging.getLogger(__name__)

OUTBOX_EVERY = timedelta(seconds=5)


async def deliver_outbox(runtime: Runtime, now: datetime) -> int:
    return await dispatch_due(runtime.sessions, runtime.senders, now)


async def run_all(runtime: Runtime, now: datetime) -> dict[str, int]:
    """Everything due at `now`, once: each feature's jobs, then the outbox they filled."""
    counts: dict[str, int] = {}
    for job in runtime.router.jobs.values():
        counts[job.name] = await job.run(runtime, now)
    counts["outbox"] = await deliver_outbox(runtime, now)
    return counts


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job in runtime.router.jobs.values():
        scheduler.add_job(
            _guarded(runtime, job.name, job.run),
            "interval",
            seconds=job.every.total_seconds(),
            id=job.name,
            max_instances=1,
            coalesce=True,
        )
    scheduler.add_job(
        _guarded(runtime, "outbox", deliver_outbox),
        "interval",
        seconds=OUTBOX_EVERY.total_seconds(),
        id="outbox",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    return scheduler


def _guarded(runtime: Runtime, name: str, run):  # type: ignore[no-untyped-def]
    """A failing tick is logged and tried again next time, never kills the worker."""

    async def tick() -> None:
        try:
            await run(runtime, runtime.clock.now())
        except Exception as problem:
            if is_unavailable(problem):
                log.warning("job %s: database unavailable, will retry", name)
            else:
                log.exception("job %s failed", name)

    return tick
