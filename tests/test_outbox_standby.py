"""One process delivers at a time; a standby takes over when it dies; leases outlive waits."""

from __future__ import annotations

import asyncio
import logging
import sys
import textwrap
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from bot import dispatch_lock as locks
from bot import jobs
from bot.clock import FixedClock
from bot.dispatch_lock import ADVISORY_KEY, dispatch_lock, holding, stand_by
from bot.dispatcher import _LeaseKeeper, lease_due
from bot.harness import Harness
from bot.root import create_runtime
from bot.runtime import Runtime
from store.db import is_sqlite, make_engine
from tests.conftest import settings_for
from tests.helpers import make_member
from tests.outbox_fakes import RecordingSender, fake_time_dispatcher, queue, rows


@pytest.fixture
async def other(database_url: str, clock: FixedClock) -> AsyncIterator[Runtime]:
    """A second process's runtime on the same database."""
    runtime = create_runtime(settings_for(database_url), clock=clock)
    yield runtime
    await runtime.close()


async def test_one_process_at_a_time_holds_the_dispatch_lock(
    runtime: Runtime, other: Runtime
) -> None:
    mine, theirs = dispatch_lock(runtime.engine), dispatch_lock(other.engine)
    try:
        assert await mine.acquire()
        assert not await theirs.acquire()
        assert await mine.acquire()  # still ours: asking again checks, never waits
        assert not await theirs.acquire()
        await mine.release()
        assert await theirs.acquire()
        assert not await mine.acquire()
    finally:
        await mine.release()
        await theirs.release()


async def test_only_the_holder_delivers_and_a_standby_takes_over_when_it_stops(
    runtime: Runtime, other: Runtime, harness: Harness
) -> None:
    priya = await make_member(harness, "priya")
    senders = []
    for worker, name in ((runtime, "first"), (other, "standby")):
        senders.append(RecordingSender(worker))
        worker.senders["console"] = senders[-1]
        fake_time_dispatcher(worker, worker=name)
    first, standby = dispatch_lock(runtime.engine), dispatch_lock(other.engine)
    deliver_first = holding(first, jobs.deliver_outbox)
    deliver_standby = holding(standby, jobs.deliver_outbox)
    try:
        now = runtime.clock.now()
        await queue(runtime, "one", member_id=priya)
        assert await deliver_first(runtime, now) == 1
        await queue(runtime, "two", member_id=priya)
        assert await deliver_standby(other, now) == 0  # standing by: sends nothing
        await first.release()  # as when its process ends
        assert await deliver_standby(other, now) == 1
        assert await deliver_first(runtime, now) == 0  # and now the first one waits
    finally:
        await first.release()
        await standby.release()
    assert (senders[0].sent, senders[1].sent) == (["one"], ["two"])
    assert {row.status for row in (await rows(runtime)).values()} == {"sent"}


ROOT = Path(__file__).resolve().parents[1]
HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    from bot.dispatch_lock import dispatch_lock
    from store.db import make_engine

    async def main():
        lock = dispatch_lock(make_engine(sys.argv[1]))
        print("held" if await lock.acquire() else "refused", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


async def test_the_lock_dies_with_its_process_even_on_kill_9(database_url: str) -> None:
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, database_url, stdout=asyncio.subprocess.PIPE, cwd=ROOT
    )
    engine = make_engine(database_url)
    lock = dispatch_lock(engine)
    try:
        assert await holder.stdout.readline() == b"held\n"  # type: ignore[union-attr]
        assert not await lock.acquire()
        holder.kill()  # SIGKILL: no clean-up of any kind
        await holder.wait()
        if not is_sqlite(database_url):
            await _until_postgres_drops_it(engine)
        assert await lock.acquire()
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
        await lock.release()
        await engine.dispose()


async def _until_postgres_drops_it(engine) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL ends the dead client's session on its own time: wait on the lock itself."""
    async with engine.connect() as connection:
        await connection.execute(text("SET statement_timeout = '20s'"))
        await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_KEY})
        await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})


async def test_a_standby_runs_the_outbox_as_soon_as_it_gets_the_lock(
    runtime: Runtime, other: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "STANDBY_POLL", 0.01)
    holder, standby = dispatch_lock(runtime.engine), dispatch_lock(other.engine)
    ran = asyncio.Event()

    async def outbox() -> None:
        ran.set()

    scheduler = AsyncIOScheduler()
    # Hourly: only the takeover can make it run within this test.
    scheduler.add_job(outbox, "interval", hours=1, id="outbox")
    scheduler.start()
    try:
        assert await holder.acquire()
        task = stand_by(standby, scheduler, "outbox")
        await asyncio.sleep(0)  # its first try, refused
        assert not standby.held and not ran.is_set()
        await holder.release()
        await asyncio.wait_for(ran.wait(), timeout=10)
        assert standby.held
    finally:
        scheduler.shutdown(wait=False)
    await asyncio.gather(task, return_exceptions=True)  # shutting down lets the lock go
    assert not standby.held and await holder.acquire()
    await holder.release()


async def test_a_send_in_one_lane_renews_the_rows_every_lane_holds(
    runtime: Runtime, harness: Harness
) -> None:
    priya, sam = await make_member(harness, "priya"), await make_member(harness, "sam")
    for n in range(4):
        await queue(runtime, f"r{n}", member_id=priya if n % 2 else sam)
    dispatcher = fake_time_dispatcher(runtime, worker="me", lease=timedelta(seconds=8))
    start = runtime.clock.now()
    keeper = _LeaseKeeper(dispatcher)
    lanes = [await lease_due(runtime.sessions, start, 2, worker="me", lease=dispatcher.lease)]
    lanes.append(await lease_due(runtime.sessions, start, 2, worker="me", lease=dispatcher.lease))
    for lane in lanes:
        keeper.hold([lease.id for lease in lane], start + dispatcher.lease)
    runtime.clock.set(start + timedelta(seconds=5))  # type: ignore[attr-defined]
    assert await keeper.keep(lanes[0][0].id)  # a send in the first lane, past half the lease
    runtime.clock.set(start + timedelta(seconds=9))  # type: ignore[attr-defined]
    assert await lease_due(runtime.sessions, runtime.clock.now(), worker="rival") == []
    runtime.clock.set(start + timedelta(seconds=13))  # type: ignore[attr-defined]
    assert len(await lease_due(runtime.sessions, runtime.clock.now(), worker="rival")) == 4


async def test_recording_outcomes_raises_no_false_alarm(
    runtime: Runtime, harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    priya = await make_member(harness, "priya")
    sender = RecordingSender(runtime)
    runtime.senders["console"] = sender
    fake_time_dispatcher(runtime)
    for n in range(30):
        await queue(runtime, f"n{n}", member_id=priya)
    with caplog.at_level(logging.WARNING, logger="bot.dispatcher"):
        assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 30
    assert len(sender.sent) == 30
    assert "lease ran out" not in caplog.text and "taken over" not in caplog.text
