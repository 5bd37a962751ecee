"""SQLite: readers never wait, writers queue in the process, processes meet in SQLite.

In WAL mode any number of readers run beside one writer. SQLite's own busy
handler, which makes a second writer wait, sleeps in growing steps (up to
100 ms) instead of waking when the lock frees, so writers that queue in it get
tail latencies of hundreds of milliseconds. So inside one process writers
queue on a first-come-first-served asyncio lock, one per event loop, and only
writers of different processes (`serve` beside a `worker`) meet in the busy
handler.

Writers of different processes meet at an flock on a file beside the database
(`<database>-writer.lock`), taken after the process's own lock: the kernel wakes
the next process as soon as the lock frees, so `serve --processes N` and a
separate `worker` share one SQLite file without SQLite's busy handler.

A unit of work is a writer unless it is opened read-first:

- a writer takes the process's writer lock, then `BEGIN IMMEDIATE`;
- a read-first unit begins deferred (`BEGIN`) and takes no lock while it only
  reads. Just before its first write it takes the writer lock. If another
  writer committed after its first read, SQLite refuses that write at once
  (SQLITE_BUSY_SNAPSHOT): nothing was written, and `is_write_conflict` tells
  the caller to run the unit again as a writer. No write ever lands on data the
  unit did not see.

The lock is re-entrant for the asyncio task that holds it, so a unit can take
it before it checks a connection out of the pool (waiting writers then hold no
connection that a reader needs) and the connection's own `BEGIN` does not wait
for itself. A connection gives back what it took when it returns to the pool,
after its COMMIT or ROLLBACK.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

# Execution option: begin this connection's transaction deferred, taking no lock.
READ_FIRST = "benchmate_read_first"
_DEFERRED = "benchmate.deferred"  # connection.info: this transaction began read-first
_HELD = "benchmate.holds_writer"  # connection.info: this connection holds a level of the lock
_READ_WORDS = {"SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "EXPLAIN"}
_CONFLICTS = {"SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED"}


log = logging.getLogger(__name__)
LOCK_SUFFIX = "-writer.lock"


class FileLock:
    """An exclusive flock, waited for on a thread so the event loop runs on meanwhile."""

    def __init__(self, path: str, wait_seconds: float) -> None:
        self.path = path
        self.wait_seconds = wait_seconds
        self._fd: int | None = None

    async def acquire(self) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fd = self._fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        taking = asyncio.get_running_loop().run_in_executor(None, fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            await asyncio.wait_for(asyncio.shield(taking), self.wait_seconds)
        except (asyncio.CancelledError, TimeoutError):
            # The thread will still take it: give it back then, or every process waits.
            taking.add_done_callback(self._release_if_taken)
            raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _release_if_taken(self, taking: asyncio.Future[Any]) -> None:
        if not taking.cancelled() and taking.exception() is None:
            self.release()


class WriterLock:
    """First come, first served; re-entrant for the task that holds it. With `across`,
    the process's writer then takes the lock shared with other processes."""

    def __init__(self, across: FileLock | None = None) -> None:
        self._lock = asyncio.Lock()
        self._across = across
        self._owner: asyncio.Task[Any] | None = None
        self._depth = 0

    async def acquire(self) -> None:
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            self._depth += 1
            return
        await self._lock.acquire()
        if self._across is not None:
            try:
                await self._across.acquire()
            except TimeoutError:  # another process kept it: "the database is away"
                self._lock.release()
                raise
            except OSError as problem:  # no lock file (a read-only folder): SQLite decides
                log.warning("no writer lock file (%s); sharing the database less fairly", problem)
                self._across = None
            except BaseException:
                self._lock.release()
                raise
        self._owner, self._depth = task, 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            if self._across is not None:
                self._across.release()
            self._lock.release()

    @property
    def waiting(self) -> int:
        """Writers queued behind the holder (for tests and benchmarks)."""
        return len(getattr(self._lock, "_waiters", None) or ())


class Writers:
    """The writer lock of one SQLite engine, one per event loop; for a database file,
    each also takes the lock file shared with other processes."""

    def __init__(self, lock_file: str | None = None, wait_seconds: float = 30.0) -> None:
        self.lock_file = lock_file
        self.wait_seconds = wait_seconds
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WriterLock] = (
            weakref.WeakKeyDictionary()
        )

    def lock(self) -> WriterLock:
        loop = asyncio.get_running_loop()
        found = self._locks.get(loop)
        if found is None:
            across = FileLock(self.lock_file, self.wait_seconds) if self.lock_file else None
            found = self._locks[loop] = WriterLock(across)
        return found


_writers: weakref.WeakKeyDictionary[Any, Writers] = weakref.WeakKeyDictionary()


def writers_of(engine: AsyncEngine) -> Writers | None:
    """The writer queue of a SQLite engine; None for PostgreSQL (row locks do this there)."""
    return _writers.get(engine.sync_engine)


def is_write_conflict(problem: BaseException) -> bool:
    """SQLite refused a read-first unit's first write: run the unit again as a writer."""
    orig = problem.orig if isinstance(problem, DBAPIError) else problem
    return isinstance(orig, sqlite3.OperationalError) and (
        getattr(orig, "sqlite_errorname", "") in _CONFLICTS or "database is locked" in str(orig)
    )


def install(engine: AsyncEngine, busy_seconds: float = 30.0) -> None:
    """WAL, and one writer at a time in this process (see the module's docstring).

    `busy_seconds`: how long a writer waits for another process's write lock. It
    waits with asyncio sleeps, so the event loop serves everyone else meanwhile
    (the connections' own busy handler would block it: see store/inline_sqlite.py).
    """
    database = engine.url.database
    on_file = database not in (None, "", ":memory:") and not str(database).startswith("file:")
    writers = Writers(f"{database}{LOCK_SUFFIX}" if on_file else None, busy_seconds)
    _writers[engine.sync_engine] = writers

    def take(info: dict[str, Any]) -> None:
        if info.get(_HELD):
            return
        lock = writers.lock()
        await_only(lock.acquire())
        info[_HELD] = lock

    def give_back(info: dict[str, Any]) -> None:
        lock = info.pop(_HELD, None)
        if lock is not None:
            lock.release()

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection.isolation_level is not None:
            dbapi_connection.isolation_level = None  # we say BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        deferred = bool(connection.get_execution_options().get(READ_FIRST))
        connection.info[_DEFERRED] = deferred
        if deferred:
            connection.exec_driver_sql("BEGIN")
            return
        take(connection.info)
        try:
            begin_immediate(connection)
        except BaseException:
            give_back(connection.info)
            raise

    def begin_immediate(connection: Any) -> None:
        """Only another process can hold SQLite's write lock now: wait for it, politely."""
        deadline = time.monotonic() + busy_seconds
        pause = 0.001
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except DBAPIError as problem:
                if not is_write_conflict(problem) or time.monotonic() > deadline:
                    raise
            await_only(asyncio.sleep(pause))
            pause = min(pause * 2, 0.02)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before_write(
        connection: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        info = connection.info
        if info.get(_DEFERRED) and not info.get(_HELD) and _writes(statement, context):
            take(info)

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info.pop(_DEFERRED, None)
            give_back(record.info)


def _writes(statement: str, context: Any) -> bool:
    compiled = getattr(context, "compiled", None)
    if compiled is not None:
        return bool(context.isinsert or context.isupdate or context.isdelete or context.isddl)
    words = statement.split(None, 1)
    return bool(words) and words[0].upper() not in _READ_WORDS
