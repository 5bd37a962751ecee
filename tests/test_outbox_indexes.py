"""The retention index holds finished outbox rows only: queueing a message never writes it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from bot.runtime import Runtime
from store.db import is_sqlite
from store.migrate import alembic_config, upgrade
from store.retention import finished_outbox

CUTOFF = datetime(2026, 3, 2, tzinfo=UTC)


async def _definition(runtime: Runtime) -> str:
    async with runtime.engine.connect() as connection:
        if runtime.engine.dialect.name == "sqlite":
            query = "SELECT sql FROM sqlite_master WHERE name = 'ix_outbox_finished'"
        else:
            query = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_outbox_finished'"
        return str((await connection.execute(text(query))).scalar_one())


async def test_the_retention_index_holds_finished_rows_only(runtime: Runtime) -> None:
    definition = await _definition(runtime)
    squeezed = " ".join(definition.replace("::text", "").replace("::character varying", "").split())
    assert "where" in squeezed.lower(), definition
    for status in ("sent", "skipped", "dead"):
        assert f"'{status}'" in squeezed, definition
    assert "'queued'" not in squeezed and "'sending'" not in squeezed, definition


async def test_the_retention_query_ranges_over_the_partial_index(runtime: Runtime) -> None:
    if not is_sqlite(runtime.settings.database_url):
        pytest.skip("PostgreSQL plans depend on table sizes: see benchmarks/bench_privacy.py")
    compiled = finished_outbox(CUTOFF, 1000).compile(
        dialect=runtime.engine.dialect, compile_kwargs={"literal_binds": True}
    )
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        plan = " | ".join(str(row[-1]) for row in rows)
    assert "ix_outbox_finished" in plan, plan


def test_the_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    upgrade(url)
    config = alembic_config(url)
    command.downgrade(config, "0016_outbox_retention_index")
    command.upgrade(config, "head")
