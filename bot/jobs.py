"""Periodic work: the features' jobs plus outbox delivery, fired by APScheduler.

What is due lives in the database, so a job may run from `benchmate tick`, the
in-process worker or any number of worker processes without double effects.
APScheduler only says "now": its job store stays in memory (a shared store
double-fires jobs across processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.dispatch_lock import dispatch_lock, holding, stand_by
from bot.runtime import Runtime
from store.db import is_unavailable

log = logging.getLogger(__name__)

OUTBOX_EVERY = timedelta(seconds=5)

# Each scheduler's standby task, which holds (and on cancel releases) the dispatch lock.
_standbys: weakref.WeakKeyDictionary[AsyncIOScheduler, asyncio.Task[None]] = (
    weakref.WeakKeyDictionary()
)


async def deliver_outbox(runtime: Runtime, now: datetime) -> int:
    return await runtime.dispatcher.run(now)


async def run_all(runtime: Runtime, now: datetime) -> dict[str, int]:
    """Everything due at `now`, once: each feature's jobs, then the outbox they filled."""
    counts: dict[str, int] = {}
    for job in runtime.router.jobs.values():
        counts[job.name] = await job.run(runtime, now)
    counts["outbox"] = await deliver_outbox(runtime, now)
    return counts


def start_scheduler(runtime: Runtime, outbox_every: timedelta = OUTBOX_EVERY) -> AsyncIOScheduler:
    """Fire each job on its interval, in memory only; the outbox also drains at start.

    Only the holder of the dispatch lock delivers the outbox (bot/dispatch_lock.py);
    another worker stands by and takes over within STANDBY_POLL of its death.
    """
    scheduler = AsyncIOScheduler(timezone=UTC, jobstores={"default": MemoryJobStore()})
    lock = dispatch_lock(runtime.engine)
    ticks = [(job.name, job.every, job.run) for job in runtime.router.jobs.values()]
    ticks.append(("outbox", outbox_every, holding(lock, deliver_outbox)))
    for name, every, run in ticks:
        # next_run_time=None would pause a job in APScheduler 3: only the outbox gets one.
        first = {"next_run_time": datetime.now(UTC)} if name == "outbox" else {}
        scheduler.add_job(
            _guarded(runtime, name, run),
            "interval",
            seconds=every.total_seconds(),
            id=name,
            max_instances=1,  # a slow tick is never overlapped by the next in this process
            coalesce=True,
            misfire_grace_time=None,
            **first,
        )
    scheduler.add_listener(_lag_meter(runtime), EVENT_JOB_SUBMITTED)
    scheduler.start()
    _standbys[scheduler] = stand_by(lock, scheduler, "outbox")
    log.info("scheduler started as worker %s", runtime.dispatcher.worker)
    return scheduler


async def stop_scheduler(runtime: Runtime, scheduler: AsyncIOScheduler, within: float) -> None:
    """A graceful stop: fire no more ticks, let the outbox finish its sends in flight and
    hand back the rows it has not started (bot/dispatcher.py), then give up the dispatch
    lock so a standby worker takes over at once."""
    scheduler.pause()
    await runtime.dispatcher.stop(within)
    scheduler.shutdown(wait=False)  # cancels the standby task, which releases the lock
    standby = _standbys.pop(scheduler, None)
    if standby is not None:
        with contextlib.suppress(asyncio.CancelledError):
            await standby


def _lag_meter(runtime: Runtime) -> Callable[[JobSubmissionEvent], None]:
    def measure(event: JobSubmissionEvent) -> None:
        late = datetime.now(UTC) - max(event.scheduled_run_times)
        runtime.metrics.scheduler_lag.labels(event.job_id).observe(late.total_seconds())

    return measure


def _guarded(
    runtime: Runtime, name: str, run: Callable[[Runtime, datetime], Awaitable[int]]
) -> Callable[[], Awaitable[None]]:
    """A failing tick is logged and tried again next time, never kills the worker."""

    async def tick() -> None:
        try:
            await run(runtime, runtime.clock.now())
        except asyncio.CancelledError:  # the scheduler stopping mid-tick: rows' leases stay safe
            log.info("job %s stopped with the scheduler", name)
        except Exception as problem:
            if is_unavailable(problem):
                log.warning("job %s: database unavailable, will retry", name)
            else:
                log.exception("job %s failed", name)

    return tick
