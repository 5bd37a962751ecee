"""Writes that must be fast and safe on both databases: insert-or-ignore, bulk updates."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table, text
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
    planned once, however many rows; RETURNING tells which rows went in. SQLite
    gets one prepared statement run for every row by the driver (`executemany`),
    which counts the rows that went in.
    """
    if not rows:
        return 0
    key = next(iter(table.primary_key.columns))
    if session.get_bind().dialect.name == "postgresql":
        columns = list(rows[0])
        # A value every row shares (the time, the status, a kind) travels once, not per row.
        same = {c for c in columns if _shared(rows, c)} if len(rows) > 1 else set()
        varying = [c for c in columns if c not in same] or columns
        same -= set(varying)
        values = [_bound(table, c) if c in same else _from_text(table, c) for c in columns]
        statement = text(
            f"INSERT INTO {table.name} ({', '.join(map(_quoted, columns))}) "
            f"SELECT {', '.join(values)} FROM {_unnest(table, varying, rows)} "
            f"ON CONFLICT DO NOTHING RETURNING {_quoted(key.name)}"
        )
        params: dict[str, Any] = _arrays(table, varying, rows)
        params |= {c: _as_text(table.c[c].type, rows[0][c]) for c in same}
        result = await session.execute(statement, params)
        return len(result.all())
    columns = list(rows[0])
    inserting = (
        f"INSERT INTO {table.name} ({', '.join(map(_quoted, columns))}) "
        f"VALUES ({', '.join('?' for _ in columns)}) ON CONFLICT DO NOTHING"
    )
    return await _executemany(session, inserting, table, columns, rows)


async def update_many(
    session: AsyncSession, table: Table, changes: dict[int, dict[str, Any]]
) -> None:
    """Update many rows by primary key; each row may change its own set of columns.

    Rows changing the same columns share one statement: `UPDATE … FROM unnest(…)`
    on PostgreSQL, an executemany on SQLite.
    """
    key = next(iter(table.primary_key.columns))
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    # In key order: neighbouring rows share pages (SQLite's table B-tree, PostgreSQL's heap).
    for row_id, values in sorted(changes.items()):
        by_columns.setdefault(tuple(sorted(values)), []).append({key.name: row_id, **values})
    postgres = session.get_bind().dialect.name == "postgresql"
    for columns, rows in by_columns.items():
        if postgres:
            every = [key.name, *columns]
            assignments = ", ".join(f"{_quoted(c)} = {_from_text(table, c, 'v.')}" for c in columns)
            key_type = table.c[key.name].type.compile(dialect=postgresql.dialect())
            keys = f"CAST(CAST(:_keys AS TEXT[]) AS {key_type}[])"
            # The `= ANY` is implied by the join; it lets the planner find the rows by their
            # key instead of hashing the whole table against the list.
            statement = text(
                f"UPDATE {table.name} SET {assignments} FROM {_unnest(table, every, rows)} "
                f"WHERE {table.name}.{_quoted(key.name)} = {_from_text(table, key.name, 'v.')} "
                f"AND {table.name}.{_quoted(key.name)} = ANY({keys})"
            )
            arrays = _arrays(table, every, rows)
            await session.execute(statement, {**arrays, "_keys": arrays[key.name]})
        else:
            assignments = ", ".join(f"{_quoted(c)} = ?" for c in columns)
            updating = f"UPDATE {table.name} SET {assignments} WHERE {_quoted(key.name)} = ?"
            await _executemany(session, updating, table, [*columns, key.name], rows)


# --- SQLite: the driver binds every row --------------------------------------------------
# SQLAlchemy would run each value through its column's bind processors in Python (UTC
# datetimes to text, dates, JSON) and build multi-row statements; a sweep's rows share
# most of their values (now, today), so each distinct value is processed once here and
# the driver runs one prepared statement for all rows.


async def _executemany(
    session: AsyncSession,
    statement: str,
    table: Table,
    columns: list[str],
    rows: list[dict[str, Any]],
) -> int:
    """Run `statement` once per row (values in `columns` order); rows it changed."""
    dialect = session.get_bind().dialect
    processors = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    if not any(processors):
        params = [tuple(row[c] for c in columns) for row in rows]
    else:
        convert = [_memo(p) for p in processors]
        pairs = list(zip(convert, columns, strict=True))
        params = [tuple(f(row[c]) for f, c in pairs) for row in rows]
    connection = await session.connection()
    result = await connection.exec_driver_sql(statement, params)
    return int(result.rowcount)


def _memo(process: Any) -> Any:
    if process is None:
        return lambda value: value
    seen: dict[Any, Any] = {}
    missing = object()

    def convert(value: Any) -> Any:
        try:
            found = seen.get(value, missing)
        except TypeError:  # unhashable (a dict for a JSON column)
            return process(value)
        if found is missing:
            seen[value] = found = process(value)
        return found

    return convert


# --- PostgreSQL arrays --------------------------------------------------------------
# Columns travel as text arrays and are cast back in SQL, so one code path serves every
# type (dates, timestamps, JSON, booleans) without asyncpg codecs for each array type.


def _unnest(table: Table, columns: list[str], rows: list[dict[str, Any]]) -> str:
    arrays = ", ".join(f"CAST(:{c} AS TEXT[])" for c in columns)
    return f"unnest({arrays}) AS v({', '.join(map(_quoted, columns))})"


def _bound(table: Table, column: str) -> str:
    kind = table.c[column].type.compile(dialect=postgresql.dialect())
    return f"CAST(CAST(:{column} AS TEXT) AS {kind})"


def _shared(rows: list[dict[str, Any]], column: str) -> bool:
    first = rows[0][column]
    return all(row[column] == first for row in rows)


def _from_text(table: Table, column: str, prefix: str = "") -> str:
    kind = table.c[column].type.compile(dialect=postgresql.dialect())
    return f"CAST({prefix}{_quoted(column)} AS {kind})"


def _quoted(column: str) -> str:
    return f'"{column}"'  # our own column names, never member input


def _arrays(
    table: Table, columns: list[str], rows: list[dict[str, Any]]
) -> dict[str, list[str | None]]:
    arrays = {}
    for column in columns:
        kind = table.c[column].type
        as_text = _memo(lambda value, kind=kind: _as_text(kind, value))
        arrays[column] = [as_text(row[column]) for row in rows]
    return arrays


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
