"""Fixtures: every database test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from bot.clock import FixedClock
from bot.harness import Harness
from bot.root import create_runtime
from bot.runtime import Runtime
from bot.settings import Settings
from store.db import make_engine
from store.migrate import upgrade
from store.models import Base
from tests.goldens import UPDATE_OPTION, compare

# CI explores the same examples on every run, so a submission's result does not depend
# on the draw; locally hypothesis keeps searching with fresh examples.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
# Nothing listens on port 1: a database that is away, without a thread left behind.
UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:1/benchmate"
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        UPDATE_OPTION, action="store_true", help="rewrite tests/golden/*.json from this run"
    )


Golden = Callable[[str, Any], None]


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """`golden(name, rendered)`: compare with tests/golden/<name>.json (tests/goldens.py)."""
    update = bool(request.config.getoption(UPDATE_OPTION))
    return lambda name, actual: compare(name, actual, update=update)


def settings_for(database_url: str, **overrides: object) -> Settings:
    return Settings(_env_file=None, database_url=database_url, **overrides)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test: migrations run once."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    assert POSTGRES_URL
    # Session fixtures may be first asked for inside a running loop: use a thread of our own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _reset_postgres(POSTGRES_URL)).result()
    upgrade(POSTGRES_URL)
    return POSTGRES_URL


async def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "benchmate.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url = request.getfixturevalue("postgres_migrated")
    engine = make_engine(url)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    return url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))  # a Monday morning


@pytest.fixture
async def runtime(database_url: str, clock: FixedClock) -> AsyncIterator[Runtime]:
    runtime = create_runtime(settings_for(database_url), clock=clock)
    yield runtime
    await runtime.close()


@pytest.fixture
def harness(runtime: Runtime) -> Harness:
    return Harness(runtime)
