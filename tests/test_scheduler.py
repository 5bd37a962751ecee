"""Ticks: APScheduler only says "now"; the tables say what is due, so effects happen once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.jobstores.memory import MemoryJobStore
from sqlalchemy import select

from bot import jobs, outbox
from bot.clock import FixedClock
from bot.harness import Harness
from bot.root import create_runtime
from bot.router import Router
from bot.runtime import Runtime
from bot.ui import text_message
from store.migrate import upgrade
from store.models import Member
from tests.conftest import settings_for
from tests.helpers import make_member
from tests.outbox_fakes import (
    RecordingSender,
    fake_time_dispatcher,
    queue,
    recording,
    rows,
    snapshot,
)

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def reminders() -> Router:
    """A feature whose job queues one reminder per member per day, keyed so repeats are no-ops."""
    router = Router()

    @router.job("test.remind", every=timedelta(minutes=1))
    async def remind(runtime: Runtime, now) -> int:  # type: ignore[no-untyped-def]
        queued = 0
        async with runtime.sessions() as session, session.begin():
            for member_id in await session.scalars(select(Member.id)):
                queued += await outbox.enqueue(
                    session,
                    key=f"remind:{member_id}:{now.date()}",
                    kind="test.remind",
                    message=text_message("Don't forget!"),
                    now=now,
                    member_id=member_id,
                )
        return queued

    return router


async def test_two_workers_and_a_rerun_tick_have_each_effect_once(
    database_url: str, harness: Harness, clock: FixedClock
) -> None:
    for handle in ("priya", "sam", "alex", "jo"):
        await make_member(harness, handle)
    workers = [
        create_runtime(settings_for(database_url), router=reminders(), clock=clock)
        for _ in range(2)
    ]
    senders = []
    for n, worker in enumerate(workers):
        senders.append(RecordingSender(worker))
        worker.senders["console"] = senders[-1]
        fake_time_dispatcher(worker, worker=f"worker-{n}")
    try:
        now = clock.now()
        await asyncio.gather(*(jobs.run_all(worker, now) for worker in workers))
        before = snapshot(await rows(workers[0]))
        again = await jobs.run_all(workers[1], now)
        assert again == {"test.remind": 0, "outbox": 0}
        assert snapshot(await rows(workers[0])) == before
        sent = [key for sender in senders for key in sender.sent]
        assert sorted(sent) == sorted(before) and len(sent) == 4
        assert {status for status, *_ in before.values()} == {"sent"}
    finally:
        for worker in workers:
            await worker.close()


async def test_the_scheduler_fires_ticks_from_an_in_memory_store(
    runtime: Runtime, harness: Harness
) -> None:
    priya = await make_member(harness, "priya")
    sender = recording(runtime)
    runtime.router.include(reminders())
    await queue(runtime, "waiting", member_id=priya)
    scheduler = jobs.start_scheduler(runtime)
    try:
        assert all(isinstance(store, MemoryJobStore) for store in scheduler._jobstores.values())
        by_id = {job.id: job for job in scheduler.get_jobs()}
        assert set(by_id) >= {"outbox", "test.remind"}
        assert all(job.max_instances == 1 and job.coalesce for job in by_id.values())
        # Fire the ticks by hand (no waiting on wall time): the job then the outbox.
        await by_id["test.remind"].func()
        await by_id["outbox"].func()
        await by_id["outbox"].func()
    finally:
        scheduler.shutdown(wait=False)
    assert sorted(sender.sent) == sorted(["waiting", f"remind:{priya}:2026-03-02"])


async def test_a_failing_tick_is_logged_not_raised(runtime: Runtime, caplog) -> None:  # type: ignore[no-untyped-def]
    async def broken(runtime: Runtime, now) -> int:  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    tick = jobs._guarded(runtime, "broken", broken)
    await tick()
    assert "job broken failed" in caplog.text


def test_benchmate_tick_delivers_once_however_often_it_runs(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/tick.db"
    upgrade(url)

    async def prepare() -> None:
        runtime = create_runtime(settings_for(url), clock=FixedClock(MONDAY))
        try:
            member = await make_member(Harness(runtime), "priya")
            await queue(runtime, "hello", member_id=member, text="Time to book a meeting")
        finally:
            await runtime.close()

    asyncio.run(prepare())
    env = {**os.environ, "DATABASE_URL": url}
    outputs = [
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "tick", "--now", "2026-03-02T10:30:00Z"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        ).stdout
        for _ in range(2)
    ]
    assert outputs[0].count("Time to book a meeting") == 1 and "outbox 1" in outputs[0]
    assert "Time to book a meeting" not in outputs[1] and "outbox 0" in outputs[1]
