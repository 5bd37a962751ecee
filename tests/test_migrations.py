"""Migrations build the schema the models describe, on every database we run on."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import store.all_models  # noqa: F401
from bot.runtime import Runtime
from store.models import Base


def _differences(connection) -> list:  # type: ignore[no-untyped-def]
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_upgrade_from_empty_reaches_head_with_no_differences(runtime: Runtime) -> None:
    # The fixture database was built by `alembic upgrade head` from empty.
    async with runtime.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        differences = await connection.run_sync(_differences)
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert differences == []
