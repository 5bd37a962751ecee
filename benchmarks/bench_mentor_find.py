"""`mentor find` with 50,000 members, a fifth of them mentors, on SQLite and PostgreSQL.

Measures, in-process: the whole `mentor find` turn (core + handler + ranking) and
the ranking alone (`suggest`). Baseline beside it: the naive way — read every
open mentor of the scheme into Python and score each — on the same data.
Target: p95 of the find turn <= 50 ms.

PostgreSQL runs when --postgres URL or TEST_DATABASE_URL is given; the benchmark
creates and uses its own database `bm_bench_find` on that server.

    .venv/bin/python benchmarks/bench_mentor_find.py [--members 50000] [--finds 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from benchmarks._common import print_json, print_table, summary_ms
from bot.clock import FixedClock
from bot.harness import Harness
from bot.root import create_runtime
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.mentoring.matching import WEIGHTS, score
from handlers.mentoring.suggest import seeker_for, suggest
from store.db import make_engine
from store.mentoring import models
from store.mentoring import queries as store
from store.mentoring.tags import find_tags
from store.migrate import upgrade
from store.models import Institution, Member, PlatformIdentity

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
TARGET_P95_MS = 50.0
SPECIALISMS = [f"technique {n}" for n in range(150)] + ["lc-ms", "nmr", "cnc machining"]
EQUIPMENT = [f"instrument model {n}" for n in range(100)]
REGISTRATIONS = list(models.REGISTRATIONS)
FORMATS = list(models.FORMATS)
BENCH_DB = "bm_bench_find"


async def populate(runtime: Runtime, members: int, rng: random.Random) -> list[str]:
    """Members, profiles (a fifth mentors), tags and one scheme; returns mentee handles."""
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            insert(Institution),
            [{"short_name": f"u{n}", "name": f"University {n}"} for n in range(40)],
        )
        places = list(await session.scalars(select(Institution.id)))
        await session.execute(
            insert(Member),
            [
                {
                    "display_name": f"Technician {i}",
                    "job_title": "Technician",
                    "institution_id": rng.choice(places),
                    "specialisms": [],
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(members)
            ],
        )
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
        scheme = store.Scheme(name="Bench scheme", short_name="bench", created_at=NOW)
        session.add(scheme)
        await session.flush()
        profiles, tags, handles = [], [], []
        for n, member_id in enumerate(ids):
            mentor = n % 5 == 0
            specialisms = rng.sample(SPECIALISMS, 3)
            equipment = rng.sample(EQUIPMENT, 2 if mentor else 1)
            held = rng.sample(REGISTRATIONS, rng.choice([0, 1, 1, 2])) if mentor else []
            sought = [] if mentor else rng.sample(REGISTRATIONS, rng.choice([0, 1]))
            capacity = rng.choice([1, 2, 3]) if mentor else 0
            profiles.append(
                {
                    "member_id": member_id,
                    "role": "mentor" if mentor else "mentee",
                    "specialisms": specialisms,
                    "equipment": equipment,
                    "registration_held": held,
                    "registration_sought": sought,
                    "offer": "",
                    "looking_for": "",
                    "format": rng.choice(FORMATS),
                    "capacity": capacity,
                    "prefer_other_institution": True,
                    "is_mentor": mentor,
                    "open_places": capacity,
                    "search_text": " | ".join(specialisms + equipment).lower(),
                    "updated_at": NOW,
                }
            )
            if mentor:
                tags += [
                    {"member_id": member_id, "tag": tag, "weight": weight, "paused_until": None}
                    for tag, weight in find_tags(specialisms, equipment, held, WEIGHTS)
                ]
            elif len(handles) < 2000:
                handles.append((member_id, f"mentee{n}"))
        for table, rows in (
            (store.MentoringProfile, profiles),
            (store.MentorTag, tags),
            (
                store.SchemeMember,
                [{"scheme_id": scheme.id, "member_id": m, "joined_at": NOW} for m in ids],
            ),
            (
                PlatformIdentity,
                [
                    {
                        "member_id": m,
                        "platform": "console",
                        "workspace": "local",
                        "user_id": handle,
                        "created_at": NOW,
                    }
                    for m, handle in handles
                ],
            ),
        ):
            for start in range(0, len(rows), 5000):
                await session.execute(insert(table), rows[start : start + 5000])
    return [handle for _, handle in handles]


async def settle(runtime: Runtime) -> None:
    """Statistics after the bulk load, as a live PostgreSQL's autovacuum would have them."""
    if runtime.engine.dialect.name != "postgresql":
        return
    async with runtime.engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE"))


async def naive(runtime: Runtime, handle: str) -> None:
    """The baseline: every open mentor of the scheme into Python, each scored."""
    async with runtime.sessions() as session:
        member = await session.scalar(
            select(Member).join(PlatformIdentity).where(PlatformIdentity.user_id == handle)
        )
        profile = await store.profile_of(session, member.id)
        seeker = seeker_for(member, profile)
        scheme_id = (await store.schemes_of(session, member.id))[0].id
        everyone = await store.mentor_rows(
            session, await store.open_mentor_ids(session, scheme_id, TODAY)
        )
        sorted(everyone, key=lambda m: -score(seeker, m).points)[:5]


async def ranking_only(runtime: Runtime, handle: str) -> None:
    async with runtime.sessions() as session:
        member = await session.scalar(
            select(Member).join(PlatformIdentity).where(PlatformIdentity.user_id == handle)
        )
        profile = await store.profile_of(session, member.id)
        scheme_id = (await store.schemes_of(session, member.id))[0].id
        await suggest(session, scheme_id, seeker_for(member, profile), today=TODAY)


async def timed(run, handles: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for handle in handles:
        started = time.perf_counter()
        await run(handle)
        samples.append(time.perf_counter() - started)
    return samples


async def measure(url: str, members: int, finds: int) -> dict[str, object]:
    rng = random.Random(6)
    runtime = create_runtime(
        Settings(_env_file=None, database_url=url),  # type: ignore[call-arg]
        clock=FixedClock(NOW),
    )
    try:
        started = time.perf_counter()
        handles = await populate(runtime, members, rng)
        await settle(runtime)
        seeded = time.perf_counter() - started
        harness = Harness(runtime)
        sample = [rng.choice(handles) for _ in range(finds)]
        for handle in sample[:10]:  # warm caches and connections
            turn = await harness.say(handle, "mentor find")
            assert "Suggested mentors" in turn.text, turn.text

        async def find_turn(handle: str) -> None:
            await harness.say(handle, "mentor find")

        turn = summary_ms(await timed(find_turn, sample))
        ranking = summary_ms(await timed(lambda h: ranking_only(runtime, h), sample))
        worded = summary_ms(
            await timed(
                lambda h: harness.say(h, f"mentor find {rng.choice(SPECIALISMS)}"), sample[:50]
            )
        )
        baseline = summary_ms(await timed(lambda h: naive(runtime, h), sample[:10]))
        return {
            "members": members,
            "mentors": members // 5,
            "seed_s": round(seeded, 1),
            "turn": turn,
            "ranking": ranking,
            "with_words": worded,
            "naive": baseline,
        }
    finally:
        await runtime.close()


async def fresh_postgres(url: str, name: str = BENCH_DB) -> str:
    """Our own database on the given server, emptied: never the test database."""
    server = make_url(url)
    admin = make_engine(server.set(database="postgres").render_as_string(hide_password=False))
    async with admin.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await connection.execute(text(f"CREATE DATABASE {name}"))
    await admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--finds", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument(
        "--bench-db", default=BENCH_DB, help="the database it creates (and drops) on that server"
    )
    args = parser.parse_args()
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite+aiosqlite:///{folder}/bench.db"
        upgrade(sqlite_url)
        results["sqlite"] = asyncio.run(measure(sqlite_url, args.members, args.finds))
    if args.postgres:
        pg_url = asyncio.run(fresh_postgres(args.postgres, args.bench_db))
        upgrade(pg_url)
        results["postgresql"] = asyncio.run(measure(pg_url, args.members, args.finds))
    rows = []
    for backend, figures in results.items():
        for name in ("turn", "ranking", "with_words", "naive"):
            f = figures[name]
            rows.append([backend, name, f["p50_ms"], f["p95_ms"]])  # type: ignore[index]
    print_table(
        f"mentor find, {args.members:,} members ({args.members // 5:,} mentors); "
        f"target p95 <= {TARGET_P95_MS:g} ms for the turn; baseline = naive (score everyone)",
        ["db", "what", "p50 ms", "p95 ms"],
        rows,
    )
    figures: dict[str, object] = {"bench": "mentor_find", "members": args.members}
    for backend, f in results.items():
        turn, base = f["turn"], f["naive"]
        figures[backend] = {
            "p50_ms": turn["p50_ms"],  # type: ignore[index]
            "p95_ms": turn["p95_ms"],  # type: ignore[index]
            "ranking_p95_ms": f["ranking"]["p95_ms"],  # type: ignore[index]
            "with_words_p95_ms": f["with_words"]["p95_ms"],  # type: ignore[index]
            "naive_p95_ms": base["p95_ms"],  # type: ignore[index]
            "ratio": round(turn["p95_ms"] / base["p95_ms"], 3),  # type: ignore[index]
        }
    print_json(figures)


if __name__ == "__main__":
    main()
