"""Every kind of due work is one range scan of the one "next due" index (active pairs with
anything due, by the earliest day), in the index's order, even on a SQLite file nobody has
ANALYZEd; the database keeps `next_due_on` the earliest of a pair's due dates.

PostgreSQL's planner rightly prefers a sequential scan on tables this small; the due-sweep
benchmark prints its plans at 100,000 relationships.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text, update

from bot.harness import Harness
from bot.runtime import Runtime
from store.db import is_sqlite
from store.mentoring.models import DUE_DATES, NEXT_DUE_INDEX, Relationship
from store.mentoring.queries import DUE_KINDS, due, due_query, meeting_work, meeting_work_query
from store.migrate import alembic_config, upgrade
from tests.mentoring_network import paired

TODAY = date(2026, 3, 2)
DAY = timedelta(days=1)


def _squeezed(definition: str) -> str:
    plain = definition.replace("::text", "").replace("::character varying", "")
    return " ".join(plain.replace("(", " ").replace(")", " ").split()).lower()


async def _index_definition(runtime: Runtime, name: str) -> str | None:
    if runtime.engine.dialect.name == "sqlite":
        query = "SELECT sql FROM sqlite_master WHERE name = :name"
    else:
        query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
    async with runtime.engine.connect() as connection:
        return (await connection.execute(text(query), {"name": name})).scalar_one_or_none()


async def test_each_due_query_scans_the_next_due_index(runtime: Runtime) -> None:
    if not is_sqlite(runtime.settings.database_url):
        pytest.skip("PostgreSQL plans depend on table sizes: see benchmarks/bench_due_sweep.py")
    queries = {kind: due_query(kind, TODAY, 100) for kind in DUE_KINDS}
    queries["all meeting work"] = meeting_work_query(TODAY, 100)
    async with runtime.engine.connect() as connection:
        for kind, query in queries.items():
            compiled = query.compile(
                dialect=runtime.engine.dialect, compile_kwargs={"literal_binds": True}
            )
            plan = " | ".join(
                str(row[-1])
                for row in await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
            assert f"USING INDEX {NEXT_DUE_INDEX} (status=? AND next_due_on<?)" in plan, (
                kind,
                plan,
            )
            assert "TEMP B-TREE" not in plan, (kind, plan)


async def test_the_next_due_index_holds_only_active_pairs_with_something_due(
    runtime: Runtime,
) -> None:
    definition = await _index_definition(runtime, NEXT_DUE_INDEX)
    assert definition is not None
    squeezed = _squeezed(definition)
    assert "status = 'active'" in squeezed, definition
    assert "next_due_on is not null" in squeezed, definition
    for kind in DUE_DATES:  # the six per-kind indexes it replaced are gone
        assert await _index_definition(runtime, f"ix_mentoring_relationships_{kind}_due") is None


# (the pair's due dates, the next-due day they give): a meet-by day counts from the day after.
CASES = [
    ({}, None),
    ({"nudge_due_on": TODAY}, TODAY),
    ({"cycle_due_on": TODAY}, TODAY + DAY),
    ({"cycle_due_on": date(2026, 2, 28)}, date(2026, 3, 1)),
    ({"cycle_due_on": date(2026, 12, 31)}, date(2027, 1, 1)),
    ({"cycle_due_on": TODAY, "nudge_due_on": TODAY + DAY}, TODAY + DAY),
    ({"cycle_due_on": TODAY + 9 * DAY, "nudge_due_on": TODAY + 2 * DAY}, TODAY + 2 * DAY),
    ({"check_due_on": TODAY + 3 * DAY, "stall_due_on": TODAY - 40 * DAY}, TODAY - 40 * DAY),
    ({"midpoint_due_on": TODAY + 90 * DAY, "end_due_on": TODAY + 270 * DAY}, TODAY + 90 * DAY),
    ({"end_due_on": TODAY - DAY}, TODAY - DAY),
    (
        {
            "nudge_due_on": TODAY + 5 * DAY,
            "check_due_on": TODAY + 4 * DAY,
            "cycle_due_on": TODAY + 2 * DAY,
            "stall_due_on": TODAY + 6 * DAY,
            "midpoint_due_on": TODAY + 7 * DAY,
            "end_due_on": TODAY + 8 * DAY,
        },
        TODAY + 3 * DAY,
    ),
]


async def test_next_due_is_the_earliest_due_date_whoever_writes_them(harness: Harness) -> None:
    relationship_id = await paired(harness)
    nothing = {column: None for column in DUE_DATES.values()}
    for dates, expected in CASES:
        async with harness.runtime.sessions() as session, session.begin():
            await session.execute(
                update(Relationship)
                .where(Relationship.id == relationship_id)
                .values(nothing | dates)
            )
        async with harness.runtime.sessions() as session:
            found = await session.scalar(
                select(Relationship.next_due_on).where(Relationship.id == relationship_id)
            )
        assert found == expected, (dates, found)


async def test_each_kind_finds_a_pair_on_its_own_date_and_not_before(harness: Harness) -> None:
    """Only one date set, far from the others: the kind's query finds the pair from its
    day on (a missed cycle from the day after the meet-by day), and no other kind does."""
    relationship_id = await paired(harness)
    columns = {
        "nudge": "nudge_due_on",
        "check": "check_due_on",
        "missed": "cycle_due_on",
        "stall": "stall_due_on",
        "midpoint": "midpoint_due_on",
        "end": "end_due_on",
    }
    nothing = {column: None for column in DUE_DATES.values()}
    for kind, column in columns.items():
        async with harness.runtime.sessions() as session, session.begin():
            await session.execute(
                update(Relationship)
                .where(Relationship.id == relationship_id)
                .values(nothing | {column: TODAY})
            )
        first = TODAY + DAY if kind == "missed" else TODAY
        async with harness.runtime.sessions() as session:
            for other in DUE_KINDS:
                before = await due(session, other, first - DAY)
                found = await due(session, other, first + 30 * DAY)
                assert before == [], (kind, other)
                expected = [relationship_id] if other == kind else []
                assert [pair.id for pair in found] == expected, (kind, other)
                on_the_day = await due(session, other, first)
                assert [pair.id for pair in on_the_day] == expected, (kind, other)
            meeting = kind not in ("midpoint", "end")
            assert await meeting_work(session, first - DAY) == [], kind
            found = [pair.id for pair in await meeting_work(session, first)]
            assert found == ([relationship_id] if meeting else []), kind


def test_the_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    upgrade(url)
    config = alembic_config(url)
    command.downgrade(config, "0017_outbox_finished_partial")
    database = sqlite3.connect(tmp_path / "migrations.db")
    try:
        indexes = {
            name
            for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        columns = {
            row[1] for row in database.execute("PRAGMA table_xinfo(mentoring_relationships)")
        }
    finally:
        database.close()
    assert {f"ix_mentoring_relationships_{kind}_due" for kind in DUE_DATES} <= indexes
    assert NEXT_DUE_INDEX not in indexes
    assert "next_due_on" not in columns
    command.upgrade(config, "head")
