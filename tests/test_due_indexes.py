"""Each kind of due work is one range scan of its own partial index (active pairs with
that date set), in the index's order, even on a SQLite file nobody has ANALYZEd.

PostgreSQL's planner rightly prefers a sequential scan on tables this small; the due-sweep
benchmark prints its plans at 100,000 relationships.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from bot.runtime import Runtime
from store.db import is_sqlite
from store.mentoring.models import DUE_DATES
from store.mentoring.queries import DUE_KINDS, due_query

TODAY = date(2026, 3, 2)


async def test_each_due_query_scans_its_partial_index(runtime: Runtime) -> None:
    if not is_sqlite(runtime.settings.database_url):
        pytest.skip("PostgreSQL plans depend on table sizes: see benchmarks/bench_due_sweep.py")
    async with runtime.engine.connect() as connection:
        for kind in DUE_KINDS:
            compiled = due_query(kind, TODAY, 100).compile(
                dialect=runtime.engine.dialect, compile_kwargs={"literal_binds": True}
            )
            plan = " | ".join(
                str(row[-1])
                for row in await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
            index = "cycle" if kind == "missed" else kind
            assert f"ix_mentoring_relationships_{index}_due" in plan, (kind, plan)
            assert "TEMP B-TREE" not in plan, (kind, plan)


async def test_the_due_indexes_hold_only_active_pairs_with_a_date(runtime: Runtime) -> None:
    async with runtime.engine.connect() as connection:
        dialect = runtime.engine.dialect.name
        for kind, column in DUE_DATES.items():
            name = f"ix_mentoring_relationships_{kind}_due"
            if dialect == "sqlite":
                query = "SELECT sql FROM sqlite_master WHERE name = :name"
            else:
                query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
            definition = (await connection.execute(text(query), {"name": name})).scalar_one()
            plain = definition.replace("::text", "").replace("(", " ").replace(")", " ")
            squeezed = " ".join(plain.split()).lower()
            assert "status = 'active'" in squeezed, definition
            assert f"{column} is not null" in squeezed, definition
