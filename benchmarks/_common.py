"""Shared bits for benchmarks: timing summaries and the table they print."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def print_json(figures: dict[str, object]) -> None:
    print(json.dumps(figures))


async def fresh_schema(url: str) -> None:
    """Empty a scratch PostgreSQL database (drop and recreate `public`), then migrate it."""
    import asyncio

    from sqlalchemy import text

    from store.db import make_engine
    from store.migrate import upgrade

    if url.startswith("postgresql"):
        engine = make_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await asyncio.to_thread(upgrade, url)


async def fresh_database(url: str, name: str) -> str:
    """A database of our own on the server of `url`, created empty (dropped first if it
    was there): never the test database. Returns its URL."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from store.db import make_engine

    server = make_url(url)
    admin = make_engine(server.set(database="postgres").render_as_string(hide_password=False))
    async with admin.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await connection.execute(text(f"CREATE DATABASE {name}"))
    await admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)
