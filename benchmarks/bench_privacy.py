"""Data rights at scale: `privacy export` and `privacy erase` for a member with a heavy
history in a 50,000-member network, and the retention job on 1,000,000 old outbox rows
while `help` turns keep coming, on SQLite and PostgreSQL.

Targets (issue 19): export and erase each <= 1 s (the whole turn); the purge holds no
lock that stalls turns: p95 of a `help` turn during the purge <= 2x the same turn's p95
with no purge, measured in the same run (ratio = during / without).

PostgreSQL runs when --postgres URL or TEST_DATABASE_URL is given; the benchmark
creates and uses its own database `bm_bench_privacy` on that server.

    .venv/bin/python benchmarks/bench_privacy.py [--members 50000] [--outbox-rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
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
from handlers.retention import run_retention
from store.db import make_engine
from store.events.models import Event, EventAttendance, EventDelivery, EventRsvp
from store.mentoring.models import (
    Meeting,
    MentoringProfile,
    PrivateNote,
    Relationship,
    Scheme,
)
from store.migrate import upgrade
from store.models import Member, OutboxMessage, PlatformIdentity

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TARGET_MS = 1000.0
TARGET_RATIO = 2.0
BENCH_DB = "bm_bench_privacy"
SUBJECTS = 3  # heavy members: one exported, each erased once
PAIRS, MEETINGS, EVENTS, MESSAGES = 40, 10, 150, 400  # a heavy history, per subject


async def populate(runtime: Runtime, members: int) -> None:
    """The network, and SUBJECTS members with years of mentoring, events and messages."""
    async with runtime.sessions() as session, session.begin():
        rows = [
            {
                "display_name": f"Technician {i}",
                "specialisms": [],
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i in range(members)
        ]
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Member), rows[start : start + 5000])
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
        scheme = Scheme(name="Bench scheme", short_name="bench", created_at=NOW)
        session.add(scheme)
        events = [
            Event(
                title=f"Hub event {n}",
                starts_at=NOW - timedelta(days=n + 1),
                ends_at=NOW - timedelta(days=n + 1) + timedelta(hours=2),
                status="sent",
                uid=f"bench-{n}",
                calendar_token=f"bench-token-{n}",
                created_at=NOW,
                updated_at=NOW,
            )
            for n in range(EVENTS)
        ]
        session.add_all(events)
        await session.flush()
        for s in range(SUBJECTS):
            subject = ids[s]
            await _history(session, subject, ids[1000 + s * PAIRS :], scheme.id, events)
            session.add(
                PlatformIdentity(
                    member_id=subject,
                    platform="console",
                    workspace="local",
                    user_id=f"subject{s}",
                    created_at=NOW,
                    last_seen_at=NOW,
                )
            )
        session.add(
            PlatformIdentity(
                member_id=ids[-1],
                platform="console",
                workspace="local",
                user_id="helper",
                created_at=NOW,
                last_seen_at=NOW,
            )
        )


async def _history(session, subject, others, scheme_id, events) -> None:  # type: ignore[no-untyped-def]
    session.add(
        MentoringProfile(
            member_id=subject,
            role="both",
            specialisms=["lc-ms"],
            equipment=[],
            registration_held=[],
            registration_sought=[],
            capacity=3,
            updated_at=NOW,
        )
    )
    pairs = [
        Relationship(
            scheme_id=scheme_id,
            mentor_id=subject,
            mentee_id=others[n],
            status="closed" if n else "active",
            started_at=NOW - timedelta(days=700),
            closed_at=None if n == 0 else NOW - timedelta(days=30),
        )
        for n in range(PAIRS)
    ]
    session.add_all(pairs)
    await session.flush()
    meetings = [
        Meeting(
            relationship_id=pair.id,
            held_on=date(2025, 1, 1) + timedelta(days=m * 20),
            happened=True,
            created_at=NOW,
        )
        for pair in pairs
        for m in range(MEETINGS)
    ]
    session.add_all(meetings)
    await session.flush()
    await session.execute(
        insert(PrivateNote),
        [
            {
                "meeting_id": m.id,
                "author_id": subject,
                "text": "A private thought " * 10,
                "created_at": NOW,
            }
            for m in meetings
        ],
    )
    for table, extra in (
        (EventRsvp, {"answer": "going", "answered_at": NOW}),
        (EventAttendance, {"how": "checkin", "recorded_at": NOW}),
        (EventDelivery, {}),
    ):
        await session.execute(
            insert(table), [{"event_id": e.id, "member_id": subject, **extra} for e in events]
        )
    await session.execute(
        insert(OutboxMessage),
        [
            {
                "key": f"bench:{subject}:{n}",
                "kind": "note",
                "member_id": subject,
                "payload": {"text": "hello", "blocks": []},
                "status": "sent" if n % 4 else "queued",
                "due_at": NOW,
                "created_at": NOW,
            }
            for n in range(MESSAGES)
        ],
    )


async def old_outbox(runtime: Runtime, rows: int) -> None:
    """`rows` delivered outbox rows from a year ago, made by the database itself."""
    old = (NOW - timedelta(days=365)).replace(tzinfo=None)
    async with runtime.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text(
                    "INSERT INTO outbox (key, kind, payload, status, due_at, attempts, "
                    "created_at) SELECT 'old:' || n, 'note', '{}', 'sent', :at, 1, :at "
                    "FROM generate_series(1, :rows) AS n"
                ),
                {"at": old.replace(tzinfo=UTC), "rows": rows},
            )
        else:
            await connection.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                    "WHERE i < :rows) INSERT INTO outbox (key, kind, payload, status, due_at, "
                    "attempts, created_at) SELECT 'old:' || i, 'note', '{}', 'sent', :at, 1, "
                    ":at FROM n"
                ),
                {"at": old.isoformat(sep=" "), "rows": rows},
            )


async def timed(make: object) -> float:
    started = time.perf_counter()
    await make  # type: ignore[misc]
    return time.perf_counter() - started


async def run(url: str, members: int, outbox_rows: int, helps: int) -> dict[str, object]:
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    runtime = create_runtime(settings, clock=FixedClock(NOW))
    harness = Harness(runtime)
    try:
        started = time.perf_counter()
        await populate(runtime, members)
        print(f"  populated {members:,} members in {time.perf_counter() - started:.1f} s")
        await harness.say("helper", "help")  # warm
        exports = [await timed(harness.say("subject0", "privacy export")) for _ in range(5)]
        erases = []
        for s in range(SUBJECTS):
            asked = await harness.say(f"subject{s}", "privacy erase")
            token = asked.button("Yes, erase my data").value
            erases.append(await timed(harness.press(f"subject{s}", "privacy.erase", token)))

        started = time.perf_counter()
        await old_outbox(runtime, outbox_rows)
        print(f"  wrote {outbox_rows:,} old outbox rows in {time.perf_counter() - started:.1f} s")
        quiet = [await timed(harness.say("helper", "help")) for _ in range(helps)]
        purge = asyncio.create_task(run_retention(runtime, NOW))
        started = time.perf_counter()
        during: list[float] = []
        while not purge.done():
            during.append(await timed(harness.say("helper", "help")))
        removed = await purge
        seconds = time.perf_counter() - started
    finally:
        await runtime.close()
    quiet_ms, during_ms = summary_ms(quiet), summary_ms(during or [0.0])
    return {
        "export": summary_ms(exports),
        "erase": summary_ms(erases),
        "retention": {
            "rows": removed,
            "seconds": round(seconds, 2),
            "rows_per_s": round(removed / seconds) if seconds else 0,
            "help_quiet": quiet_ms,
            "help_during": during_ms,
            "help_turns_during": len(during),
            "ratio": round(during_ms["p95_ms"] / quiet_ms["p95_ms"], 2),
        },
    }


def sqlite_url() -> str:
    return f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='bm-privacy-')}/bench.db"


async def postgres_url(server: str) -> str:
    url = make_url(server)
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        await connection.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    await admin.dispose()
    return url.set(database=BENCH_DB).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--outbox-rows", type=int, default=1_000_000)
    parser.add_argument("--helps", type=int, default=200, help="help turns with no purge")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    results: dict[str, dict[str, object]] = {}
    databases = [("sqlite", sqlite_url())]
    if args.postgres:
        databases.append(("postgresql", asyncio.run(postgres_url(args.postgres))))
    for name, url in databases:
        print(f"{name}:")
        upgrade(url)
        results[name] = asyncio.run(run(url, args.members, args.outbox_rows, args.helps))
    report(results, args)


def report(results: dict[str, dict[str, object]], args: argparse.Namespace) -> None:
    rows = []
    for name, figures in results.items():
        for what in ("export", "erase"):
            ms = figures[what]  # type: ignore[index]
            rows.append(
                [
                    name,
                    f"privacy {what}",
                    ms["p50_ms"],
                    ms["p95_ms"],
                    TARGET_MS,  # type: ignore[index]
                    "yes" if ms["p95_ms"] <= TARGET_MS else "NO",
                ]  # type: ignore[index]
            )
    print_table(
        f"Export and erase, a heavy member in {args.members:,} (ms; the whole turn)",
        ["db", "turn", "p50", "p95", "target", "met"],
        rows,
    )
    rows = []
    for name, figures in results.items():
        r = figures["retention"]  # type: ignore[index]
        rows.append(
            [
                name,
                f"{r['rows']:,}",
                r["seconds"],
                f"{r['rows_per_s']:,}",  # type: ignore[index]
                r["help_quiet"]["p95_ms"],
                r["help_during"]["p95_ms"],
                r["ratio"],  # type: ignore[index]
                "yes" if r["ratio"] <= TARGET_RATIO else "NO",
            ]  # type: ignore[index]
        )
    print_table(
        f"Retention: {args.outbox_rows:,} old outbox rows, with help turns alongside",
        ["db", "removed", "s", "rows/s", "help p95 quiet", "help p95 during", "ratio", "<=2x"],
        rows,
    )
    figures: dict[str, object] = {
        "bench": "bench_privacy",
        "members": args.members,
        "outbox_rows": args.outbox_rows,
    }
    for name, found in results.items():
        r = found["retention"]  # type: ignore[index]
        figures[name] = {
            "export": found["export"],
            "erase": found["erase"],
            "retention": {"rows_per_s": r["rows_per_s"], "seconds": r["seconds"]},  # type: ignore[index]
            "p95_ms": r["help_during"]["p95_ms"],  # type: ignore[index]
            "ratio": r["ratio"],  # type: ignore[index]
        }
    print_json(figures)


if __name__ == "__main__":
    main()
