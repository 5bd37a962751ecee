"""Per-message cost of the core path through the console adapter, 50,000 members, SQLite file.

parse -> route -> member lookup -> handler -> reply, as `benchmate console` runs it.
Baseline: the floor under any turn — an empty unit of work that only looks the
member up — measured in the same run. Target: p95 <= 5 ms.

    .venv/bin/python benchmarks/bench_core.py [--members 50000] [--messages 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from adapters.console.session import ConsoleSession
from benchmarks._common import print_json, print_table, summary_ms
from bot.clock import FixedClock
from bot.inbound import Identity
from bot.root import create_runtime
from bot.runtime import Runtime
from bot.settings import Settings
from store.members import identity_for
from store.migrate import upgrade
from store.models import Member, PlatformIdentity

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TARGET_P95_MS = 5.0


async def populate(runtime: Runtime, members: int) -> None:
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            insert(Member),
            [
                {
                    "display_name": f"Technician {i}",
                    "specialisms": ["lc-ms"],
                    "job_title": "Technician",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(members)
            ],
        )
        ids = list(await session.scalars(select(Member.id)))
        await session.execute(
            insert(PlatformIdentity),
            [
                {
                    "member_id": member_id,
                    "platform": "console",
                    "workspace": "local",
                    "user_id": f"tech{n}",
                    "created_at": NOW,
                }
                for n, member_id in enumerate(ids)
            ],
        )


async def time_console(runtime: Runtime, members: int, messages: int) -> list[float]:
    console = ConsoleSession(runtime, "tech0", out=io.StringIO())
    samples = []
    texts = ["help", "profile", "profile link", "mentr"]
    for i in range(messages):
        console.handle = f"tech{random.randrange(members)}"
        started = time.perf_counter()
        await console.say(texts[i % len(texts)])
        samples.append(time.perf_counter() - started)
        console.out = io.StringIO()
    return samples


async def time_floor(runtime: Runtime, members: int, messages: int) -> list[float]:
    samples = []
    for _ in range(messages):
        who = Identity("console", "local", f"tech{random.randrange(members)}")
        started = time.perf_counter()
        async with runtime.sessions() as session, session.begin():
            await identity_for(session, who)
        samples.append(time.perf_counter() - started)
    return samples


async def main(members: int, messages: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        upgrade(url)
        runtime = create_runtime(
            Settings(_env_file=None, database_url=url),  # type: ignore[call-arg]
            clock=FixedClock(NOW),
        )
        await populate(runtime, members)
        await time_console(runtime, members, 100)  # warm up caches and the pool
        ours = await time_console(runtime, members, messages)
        floor = await time_floor(runtime, members, messages)
        await runtime.close()
    o, f = summary_ms(ours), summary_ms(floor)
    rate = messages / sum(ours)
    print_table(
        f"Core path through the console adapter, SQLite file, {members:,} members, "
        f"{messages:,} messages",
        ["measure", "ours", "baseline (empty unit of work)", "target"],
        [
            ["p50 ms", o["p50_ms"], f["p50_ms"], ""],
            ["p95 ms", o["p95_ms"], f["p95_ms"], f"<= {TARGET_P95_MS}"],
            ["messages/s", round(rate), round(messages / sum(floor)), ""],
        ],
    )
    print_json(
        {
            "bench": "core",
            "members": members,
            "n": messages,
            "p50_ms": o["p50_ms"],
            "p95_ms": o["p95_ms"],
            "messages_per_s": round(rate),
            "ratio": round(o["p95_ms"] / f["p95_ms"], 2),
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=2_000)
    options = parser.parse_args()
    asyncio.run(main(options.members, options.messages))
