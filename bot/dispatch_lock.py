"""One process at a time delivers the outbox; the other workers stand by to take over.

A platform's limits belong to the app and workspace, not to a process, and the
pacer lives in the process that sends: two processes delivering at once would
each spend the whole allowance and meet a storm of 429s. So every scheduler
(`benchmate worker`, `serve`'s own worker) asks for the dispatch lock; the holder
delivers, the others go on running the features' jobs and ask again every
STANDBY_POLL, so one takes over within that much of the holder's death.

The lock dies with its process, whatever kills it: on PostgreSQL a session
advisory lock, dropped with the holder's connection; on SQLite (one machine) an
flock on a file beside the database, dropped by the kernel. Exactly-once never
rests on this lock (rows are still leased, see bot/dispatcher.py), so a lock
lost for a moment costs some pacing, never a duplicate. `benchmate tick` does not
take it: a tick run by hand delivers at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: every process delivers
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

STANDBY_POLL = 0.2  # seconds between a standby's tries
# The key of the PostgreSQL advisory lock (a bigint; locks are per database).
ADVISORY_KEY = int.from_bytes(
    hashlib.sha256(b"benchmate:outbox-dispatch").digest()[:8], "big", signed=True
)
LOCK_SUFFIX = "-dispatch.lock"


class DispatchLock(Protocol):
    held: bool

    async def acquire(self) -> bool:
        """Take the lock if free, or check it is still ours; never waits. True while held."""
        ...

    async def release(self) -> None: ...


def dispatch_lock(engine: AsyncEngine) -> DispatchLock:
    if engine.url.get_backend_name() != "sqlite":
        return AdvisoryLock(engine)
    path = engine.url.database
    if fcntl is None or not path or path == ":memory:" or path.startswith("file:"):
        return NoLock()  # an in-memory database has one process anyway
    return FileLock(path + LOCK_SUFFIX)


Tick = Callable[[Any, datetime], Awaitable[int]]


def holding(lock: DispatchLock, run: Tick) -> Tick:
    """A tick that runs only in the process holding the lock (0 elsewhere)."""

    async def tick(runtime: Any, now: datetime) -> int:
        return await run(runtime, now) if await lock.acquire() else 0

    return tick


def stand_by(lock: DispatchLock, scheduler: AsyncIOScheduler, job_id: str) -> asyncio.Task[None]:
    """Ask for the lock every STANDBY_POLL until this process has it, then run `job_id` at
    once. The lock goes when the scheduler shuts down (the task ends) or the process dies."""
    task = asyncio.ensure_future(_ask(lock, scheduler, job_id))
    scheduler.add_listener(lambda _: task.cancel(), EVENT_SCHEDULER_SHUTDOWN)
    return task


async def _ask(lock: DispatchLock, scheduler: AsyncIOScheduler, job_id: str) -> None:
    try:
        while True:
            if not lock.held:
                try:
                    if await lock.acquire():
                        log.info("this process now delivers the outbox")
                        scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))
                except Exception:  # the outbox tick itself logs a database that is away
                    log.debug("asking for the dispatch lock failed", exc_info=True)
            await asyncio.sleep(STANDBY_POLL)
    finally:
        await lock.release()


class NoLock:
    held = True

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class FileLock:
    """flock on a file beside the SQLite database: the kernel drops it with the process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self.held = False

    async def acquire(self) -> bool:
        if self.held:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as problem:  # a read-only folder: deliver, as if alone
            log.warning("outbox: no dispatch lock file (%s); delivering anyway", problem)
            self.held = True
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by another process (or another runtime of this one)
            os.close(fd)
            return False
        self._fd, self.held = fd, True
        self._closer = weakref.finalize(self, os.close, fd)
        return True

    async def release(self) -> None:
        if self._fd is not None:
            self._closer()  # closing the file drops the lock
        self._fd, self.held = None, False


class AdvisoryLock:
    """A PostgreSQL session advisory lock on a connection of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None
        self._busy = asyncio.Lock()  # one statement at a time on the connection
        self.held = False

    async def acquire(self) -> bool:
        async with self._busy:
            return await self._acquire()

    async def _acquire(self) -> bool:
        try:
            if self._connection is None:
                self._connection = await self.engine.connect()
            if self.held:  # the lock lives as long as this connection does
                await self._connection.scalar(text("SELECT 1"))
            else:
                self.held = bool(
                    await self._connection.scalar(
                        text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
                    )
                )
            await self._connection.commit()  # never idle in a transaction
        except Exception:
            if self.held:
                log.warning("outbox: lost the dispatch lock with its database connection")
            await self._drop()
            raise
        return self.held

    async def release(self) -> None:
        async with self._busy:
            await self._drop()

    async def _drop(self) -> None:
        """Close the connection for good, not back into the pool: that drops the lock."""
        connection, self._connection, self.held = self._connection, None, False
        if connection is not None:
            try:
                await connection.invalidate()
            finally:
                await connection.close()
