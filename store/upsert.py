"""Writes that must be fast and safe on both databases: insert-or-ignore, bulk updates."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table, bindparam, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.types import RawJSON


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

    PostgreSQL takes the rows as one array per column (`unnest`): one statement,
    planned once, however many rows. SQLite runs one statement that SQLAlchemy
    batches into multi-row INSERTs. RETURNING tells which rows went in.
    """
    if not rows:
        return 0
    key = next(iter(table.primary_key.columns))
    if session.get_bind().dialect.name == "postgresql":
        columns = list(rows[0])
        arrays = _unnest(table, columns, rows)
        statement = text(
            f"INSERT INTO {table.name} ({', '.join(map(_quoted, columns))}) "
            f"SELECT {', '.join(_from_text(table, c) for c in columns)} FROM {arrays} "
            f"ON CONFLICT DO NOTHING RETURNING {_quoted(key.name)}"
        )
        result = await session.execute(statement, _arrays(table, columns, rows))
    else:
        inserting = sqlite.insert(table).on_conflict_do_nothing().returning(key)
        result = await session.execute(inserting, rows)
    return len(result.all())


async def update_many(
    session: AsyncSession, table: Table, changes: dict[int, dict[str, Any]]
) -> None:
    """Update many rows by primary key; each row may change its own set of columns.

    Rows changing the same columns share one statement: `UPDATE … FROM unnest(…)`
    on PostgreSQL, an executemany on SQLite.
    """
    key = next(iter(table.primary_key.columns))
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in changes.items():
        by_columns.setdefault(tuple(sorted(values)), []).append({key.name: row_id, **values})
    postgres = session.get_bind().dialect.name == "postgresql"
    for columns, rows in by_columns.items():
        if postgres:
            every = [key.name, *columns]
            assignments = ", ".join(f"{_quoted(c)} = {_from_text(table, c, 'v.')}" for c in columns)
            statement = text(
                f"UPDATE {table.name} SET {assignments} FROM {_unnest(table, every, rows)} "
                f"WHERE {table.name}.{_quoted(key.name)} = {_from_text(table, key.name, 'v.')}"
            )
            await session.execute(statement, _arrays(table, every, rows))
        else:
            updating = (
                update(table)
                .where(key == bindparam("row_key"))
                .values({c: bindparam(c) for c in columns})
            )
            await session.execute(
                updating,
                [{"row_key": row[key.name], **{c: row[c] for c in columns}} for row in rows],
            )


# --- PostgreSQL arrays --------------------------------------------------------------
# Columns travel as text arrays and are cast back in SQL, so one code path serves every
# type (dates, timestamps, JSON, booleans) without asyncpg codecs for each array type.


def _unnest(table: Table, columns: list[str], rows: list[dict[str, Any]]) -> str:
    arrays = ", ".join(f"CAST(:{c} AS TEXT[])" for c in columns)
    return f"unnest({arrays}) AS v({', '.join(map(_quoted, columns))})"


def _from_text(table: Table, column: str, prefix: str = "") -> str:
    kind = table.c[column].type.compile(dialect=postgresql.dialect())
    return f"CAST({prefix}{_quoted(column)} AS {kind})"


def _quoted(column: str) -> str:
    return f'"{column}"'  # our own column names, never member input


def _arrays(
    table: Table, columns: list[str], rows: list[dict[str, Any]]
) -> dict[str, list[str | None]]:
    return {c: [_as_text(table.c[c].type, row[c]) for row in rows] for c in columns}


def _as_text(kind: Any, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(kind, JSON):
        return value if isinstance(value, RawJSON) else json.dumps(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
