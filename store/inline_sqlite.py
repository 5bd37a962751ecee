"""SQLite on the event loop's own thread: aiosqlite's interface without its thread.

aiosqlite runs every call (cursor, execute, fetch, close: four per statement) on a
thread of its own per connection and hands the result back to the event loop. A
statement of a turn takes tens of microseconds in SQLite; each hand-off costs far
more under a crowd (a queue, a thread wake-up, the GIL changing hands and the loop
waking again), and a turn makes dozens. Here each call runs at once, inline.

What must not block the loop is waiting for another process's write lock: these
connections have no busy timeout (SQLite answers SQLITE_BUSY at once) and
`store.writers` waits for the lock with asyncio sleeps instead. Inside the process
writers never meet in SQLite (store/writers.py), and readers never wait in WAL mode.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class Connection:
    """The part of aiosqlite.Connection that SQLAlchemy's aiosqlite dialect uses."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    def cursor(self) -> Cursor:
        return Cursor(self._conn.cursor())

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def connector(path: str) -> Any:
    """SQLAlchemy's `async_creator`: a new inline connection to the file at `path`."""

    async def connect() -> Connection:
        # autocommit at the driver (we say BEGIN ourselves); no busy timeout (see above)
        return Connection(
            sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        )

    return connect
