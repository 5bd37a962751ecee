from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.root import create_app, create_runtime
from bot.runtime import Runtime
from tests.conftest import UNREACHABLE, settings_for


async def get_health(runtime: Runtime) -> tuple[int, dict]:
    async with TestClient(TestServer(create_app(runtime))) as client:
        response = await client.get("/healthz")
        return response.status, await response.json()


async def test_healthy_when_the_database_answers(runtime: Runtime) -> None:
    assert await get_health(runtime) == (200, {"status": "ok", "database": "ok"})


async def test_503_when_the_database_is_unreachable() -> None:
    runtime = create_runtime(settings_for(UNREACHABLE))
    try:
        status, _ = await get_health(runtime)
    finally:
        await runtime.close()
    assert status == 503


async def test_a_calendar_file_is_503_when_the_database_is_unreachable() -> None:
    runtime = create_runtime(settings_for(UNREACHABLE))
    try:
        async with TestClient(TestServer(create_app(runtime))) as client:
            response = await client.get("/calendar/" + "a" * 32 + ".ics")
            status, body = response.status, await response.text()
    finally:
        await runtime.close()
    assert status == 503 and "try again" in body


@pytest.fixture
async def sqlite_runtime(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Runtime]:
    path = tmp_path / "bench.db"
    shutil.copy(sqlite_template, path)
    runtime = create_runtime(settings_for(f"sqlite+aiosqlite:///{path}"))
    try:
        yield runtime
    finally:
        await runtime.close()


async def test_health_answers_at_once_while_another_connection_holds_the_file(
    sqlite_runtime: Runtime, tmp_path: Path
) -> None:
    """An exclusive lock from another process: the ping gives up after a short busy wait
    (503), or reads past it in WAL mode (200); it never sits out the writers' 30 s wait."""
    async with TestClient(TestServer(create_app(sqlite_runtime))) as client:
        assert (await client.get("/healthz")).status == 200
        await sqlite_runtime.engine.dispose()  # the next ping opens a fresh connection
        other = sqlite3.connect(tmp_path / "bench.db", timeout=0, isolation_level=None)
        try:
            other.execute("PRAGMA locking_mode=EXCLUSIVE")
            other.execute("BEGIN EXCLUSIVE")
            other.execute("CREATE TABLE held (x)")
            status = (await asyncio.wait_for(client.get("/healthz"), timeout=10)).status
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert status == 503
        assert (await client.get("/healthz")).status == 200


async def test_503_when_the_sqlite_file_is_moved_away_under_the_server(
    sqlite_runtime: Runtime, tmp_path: Path
) -> None:
    async with TestClient(TestServer(create_app(sqlite_runtime))) as client:
        assert (await client.get("/healthz")).status == 200
        (tmp_path / "bench.db").rename(tmp_path / "moved.db")
        assert (await client.get("/healthz")).status == 503
        (tmp_path / "moved.db").rename(tmp_path / "bench.db")
        assert (await client.get("/healthz")).status == 200
