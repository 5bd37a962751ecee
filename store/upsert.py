"""INSERT ... ON CONFLICT DO NOTHING on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignore(session: AsyncSession, table: Table, values: dict[str, Any]) -> bool:
    """Insert one row unless a unique key already has it; True when inserted."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(table).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_ignore_many(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]]
) -> int:
    """Insert many rows, skipping those a unique key already has; how many were inserted.

    One statement executed for all rows: SQLAlchemy batches it into multi-row
    INSERTs ("insertmanyvalues") and RETURNING tells which rows went in.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = next(iter(table.primary_key.columns))
    statement = make(table).on_conflict_do_nothing().returning(key)
    result = await session.execute(statement, rows)
    return len(result.all())
