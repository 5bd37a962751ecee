"""Engine and session set-up; one unit of work per inbound request."""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

# Errors that mean "the database is away", not "the code is wrong".
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from store import inline_sqlite, writers
from store.types import RawJSON
from store.writers import READ_FIRST, writers_of

UNAVAILABLE = (OperationalError, InterfaceError, ConnectionError, OSError, TimeoutError)


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, UNAVAILABLE)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _to_json(value: Any) -> str:
    return value if isinstance(value, RawJSON) else json.dumps(value)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # SQL parameters (an anonymous comment, a name) never reach a log or a traceback.
    kwargs.setdefault("hide_parameters", True)
    kwargs.setdefault("json_serializer", _to_json)
    if is_sqlite(url):
        # Seconds a writer waits for another process's write lock (store/writers.py).
        busy_seconds = kwargs.pop("busy_seconds", 30.0)
        database = make_url(url).database
        if database in (None, "", ":memory:"):
            kwargs.setdefault("connect_args", {"timeout": busy_seconds})
        else:
            # Enough connections that readers never wait for one behind queued writers,
            # each run on the event loop's thread (store/inline_sqlite.py).
            kwargs.setdefault("pool_size", 16)
            kwargs.setdefault("max_overflow", 32)
            kwargs.setdefault("async_creator", inline_sqlite.connector(database))
        engine = create_async_engine(url, **kwargs)
        writers.install(engine, busy_seconds)
        if database and os.path.exists(database):
            _sqlite_files[engine.sync_engine] = (database, os.stat(database).st_ino)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("connect_args", {"timeout": 5})
    return create_async_engine(url, **kwargs)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


Sessions = async_sessionmaker[AsyncSession]


@asynccontextmanager
async def unit_of_work(sessions: Sessions, *, writes: bool = True) -> AsyncIterator[AsyncSession]:
    """One transaction: it commits when the block ends, or rolls back on an exception.

    On SQLite a writer queues for the process's writer lock before it takes a
    connection from the pool; `writes=False` opens it read-first, taking no lock
    until (if ever) it writes (store/writers.py). On PostgreSQL both are the
    same: row locks (`FOR UPDATE`) order the writers.
    """
    queue = writers_of(sessions.kw["bind"])
    lock = queue.lock() if queue is not None and writes else None
    if lock is not None:
        await lock.acquire()
    try:
        async with sessions() as session, session.begin():
            if queue is not None and not writes:  # SQLite only: nothing to ask elsewhere
                await session.connection(execution_options={READ_FIRST: True})
            yield session
    finally:
        if lock is not None:
            lock.release()


def reading(sessions: Sessions) -> AbstractAsyncContextManager[AsyncSession]:
    """A unit of work that only reads: it never waits for a writer."""
    return unit_of_work(sessions, writes=False)


# The SQLite file each engine was first seen using: (path, inode), keyed by its sync engine.
_sqlite_files: weakref.WeakKeyDictionary[Any, tuple[str, int]] = weakref.WeakKeyDictionary()


def _check_sqlite_file(engine: AsyncEngine) -> None:
    """An open SQLite connection keeps working on a file moved or deleted under it, and
    a new one would create an empty file: the file must still be where it was, the same one."""
    path = engine.url.database
    if not is_sqlite(str(engine.url)) or path in (None, "", ":memory:"):
        return
    try:
        inode = os.stat(path).st_ino
    except FileNotFoundError:
        raise FileNotFoundError(f"the SQLite file {path} is gone") from None
    first = _sqlite_files.setdefault(engine.sync_engine, (path, inode))
    if first != (path, inode):
        raise FileNotFoundError(f"the SQLite file {path} was replaced")


async def ping(engine: AsyncEngine) -> None:
    _check_sqlite_file(engine)
    async with engine.connect() as connection:
        connection = await connection.execution_options(**{READ_FIRST: True})
        await connection.execute(text("SELECT 1"))
