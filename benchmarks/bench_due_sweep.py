"""One due-work sweep of the mentoring tick over 10,000 → 100,000 relationships.

The relationships are in mixed states as on a real morning: some to nudge, some
to ask "did you meet?", some past their meet-by day, a few gone quiet, some due
an evaluation, most with nothing due, and a tenth closed. One sweep is the
mentoring job at the first tick of the day (everything due that day at once),
writing its outbox rows; delivery is not included (bench_dispatch measures it).

Target: <= 0.5 s at 100,000 on SQLite and on PostgreSQL, one query per kind of
due work, each a range scan of the one "next due" index (the EXPLAIN plans are
printed, and whether each uses that index), and time growing
linearly with size. Beside each figure: the time the 10,000 sweep predicts
when scaled linearly, the same sweep with nothing due (the query floor), and
the CPU seconds it took (this process, plus the PostgreSQL server processes
serving it), which a shared, busy machine disturbs far less than wall time.

    .venv/bin/python benchmarks/bench_due_sweep.py [--sizes 10000,25000,50000,100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text

from benchmarks._common import print_json, print_table
from benchmarks.bench_mentor_find import fresh_postgres, settle
from bot.clock import FixedClock
from bot.root import create_runtime
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.mentoring.jobs import tick
from store.mentoring import queries as store
from store.mentoring.models import NEXT_DUE_INDEX
from store.migrate import upgrade
from store.models import Member, OutboxMessage

NOW = datetime(2026, 3, 2, 0, 5, tzinfo=UTC)  # just after midnight: the day's work at once
TODAY = date(2026, 3, 2)
TARGET_S = 0.5
# Last figures at 100,000 before issue 15's part 3 (a loaded machine): wall seconds, low–high.
BEFORE_S = {"sqlite": (0.47, 1.23), "postgresql": (0.84, 1.81)}
BENCH_DB = "bm_bench_sweep"
# Share of relationships with each kind of work due today (the rest have nothing due).
MIX = {
    "nudge": 0.03,
    "check": 0.02,
    "missed": 0.01,
    "stall": 0.005,
    "midpoint": 0.003,
    "end": 0.003,
}
CLOSED = 0.10


def relationship_rows(
    size: int, member_ids: list[int], scheme_id: int, rng: random.Random
) -> list[dict]:
    rows = []
    kinds = list(MIX)
    edges = [sum(list(MIX.values())[: i + 1]) for i in range(len(kinds))]
    for _ in range(size):
        mentor, mentee = rng.sample(member_ids, 2)
        started = TODAY - timedelta(days=rng.randint(30, 200))
        later = TODAY + timedelta(days=rng.randint(1, 60))
        row = {
            "scheme_id": scheme_id,
            "mentor_id": mentor,
            "mentee_id": mentee,
            "status": "active",
            "started_at": datetime.combine(started, datetime.min.time(), UTC),
            "agreed_cadence": rng.choice(["every 2 weeks", "every 4 weeks", "every 6 weeks"]),
            "last_meeting_on": TODAY - timedelta(days=rng.randint(1, 40)),
            "cycle": rng.randint(1, 8),
            "cycle_due_on": later,
            "nudge_due_on": later - timedelta(days=1),
            "check_due_on": None,
            "stall_due_on": later + timedelta(days=30),
            "midpoint_due_on": later + timedelta(days=60),
            "end_due_on": later + timedelta(days=200),
        }
        draw = rng.random()
        due = next((kinds[i] for i, edge in enumerate(edges) if draw < edge), None)
        if due == "missed":
            row["cycle_due_on"], row["nudge_due_on"] = TODAY - timedelta(days=1), None
        elif due == "check":
            booked = TODAY - timedelta(days=1)
            row.update(
                next_meeting_on=booked, check_due_on=TODAY, cycle_due_on=None, nudge_due_on=None
            )
        elif due is not None:
            row[f"{due}_due_on"] = TODAY - timedelta(days=rng.randint(0, 1))
        if rng.random() < CLOSED:  # closed pairs keep old dates: the status must rule them out
            row.update(status="closed", nudge_due_on=TODAY - timedelta(days=90))
        rows.append(row)
    return rows


async def populate(runtime: Runtime, size: int, rng: random.Random) -> None:
    members = max(size // 2, 100)
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            insert(Member),
            [
                {
                    "display_name": f"Technician {i}",
                    "specialisms": [],
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(members)
            ],
        )
        ids = list(await session.scalars(select(Member.id)))
        scheme = store.Scheme(
            name="Bench scheme", short_name="bench", coordinator_id=ids[0], created_at=NOW
        )
        session.add(scheme)
        await session.flush()
        for table, rows in (
            (store.Relationship, relationship_rows(size, ids, scheme.id, rng)),
            (store.MentorRequest, request_rows(size // 10, ids, scheme.id, rng)),
        ):
            for start in range(0, len(rows), 5000):
                await session.execute(insert(table), rows[start : start + 5000])


def request_rows(
    count: int, member_ids: list[int], scheme_id: int, rng: random.Random
) -> list[dict]:
    """Requests answered long ago, and a few still waiting (none lapsed: each lapse runs a find)."""
    rows = []
    for n in range(count):
        mentor, mentee = rng.sample(member_ids, 2)
        waiting = n % 50 == 0
        if waiting:  # one waiting request per mentee, as the database insists
            mentee = member_ids[n // 50]
            mentor = member_ids[-1 - n // 50]
        rows.append(
            {
                "scheme_id": scheme_id,
                "mentee_id": mentee,
                "mentor_id": mentor,
                "status": "pending" if waiting else rng.choice(["accepted", "declined", "expired"]),
                "message": "",
                "created_at": NOW - timedelta(days=2 if waiting else 90),
                "expires_at": NOW + timedelta(days=1) if waiting else NOW - timedelta(days=87),
            }
        )
    return rows


async def plans(runtime: Runtime) -> dict[str, list[str]]:
    """The plan of each kind's due query, as the database will run it."""
    found = {}
    postgres = runtime.engine.dialect.name == "postgresql"
    # The sweep reads all meeting work in one query; the evaluations read theirs by kind.
    queries = {"meeting work": store.meeting_work_query(TODAY, 20_000)}
    queries |= {kind: store.due_query(kind, TODAY, 20_000) for kind in store.DUE_KINDS}
    queries["expiry"] = store.lapsed_query(NOW, 200)
    async with runtime.engine.connect() as connection:
        for kind, query in queries.items():
            compiled = query.compile(
                dialect=runtime.engine.dialect, compile_kwargs={"literal_binds": True}
            )
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            rows = (await connection.execute(text(explain + str(compiled)))).all()
            found[kind] = [str(row[-1]) for row in rows]
    return found


def uses_index(kind: str, plan: list[str]) -> bool:
    """Every kind of due work reads the one next-due index; lapsed requests their own."""
    index = "ix_mentor_requests_due" if kind == "expiry" else NEXT_DUE_INDEX
    return any(index in line for line in plan)


async def one_sweep(url: str, size: int, postgres: bool) -> dict[str, object]:
    runtime = create_runtime(Settings(_env_file=None, database_url=url), clock=FixedClock(NOW))  # type: ignore[call-arg]
    try:
        await populate(runtime, size, random.Random(size))
        await settle(runtime)
        # A worker has run before: its connections and compiled queries are warm.
        assert await tick(runtime, NOW - timedelta(days=60)) == 0
        cpu = await cpu_seconds(runtime)
        started = time.perf_counter()
        acted = await tick(runtime, NOW)
        seconds = time.perf_counter() - started
        cpu = await cpu_seconds(runtime) - cpu
        started = time.perf_counter()
        again = await tick(runtime, NOW)  # nothing left due: the query floor
        floor = time.perf_counter() - started
        async with runtime.sessions() as session:
            queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
        return {
            "size": size,
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3),
            "empty_seconds": round(floor, 3),
            "acted": acted,
            "rerun_acted": again,
            "outbox_rows": queued,
            "plans": await plans(runtime) if size == max_size else {},
        }
    finally:
        await runtime.close()


max_size = 100_000


async def cpu_seconds(runtime: Runtime) -> float:
    """CPU used so far by this process and by the PostgreSQL backends serving its database
    (read from /proc: the server runs on this machine)."""
    used = time.process_time()
    if runtime.engine.dialect.name != "postgresql":
        return used
    async with runtime.engine.connect() as connection:
        pids = list(
            await connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
        )
    return used + sum(map(process_cpu, pids))


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is not on this machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def backend_url(
    backend: str, folder: str, size: int, server: str | None, bench_db: str = BENCH_DB
) -> str:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder}/sweep{size}.db"
    else:
        assert server
        url = await fresh_postgres(server, bench_db)
    upgrade(url)
    return url


def main() -> None:
    global max_size
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,25000,50000,100000")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument(
        "--bench-db", default=BENCH_DB, help="the database it creates (and drops) on that server"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    max_size = max(sizes)
    backends = ["sqlite", *(["postgresql"] if args.postgres else [])]
    results: dict[str, list[dict[str, object]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            results[backend] = []
            for size in sizes:
                url = asyncio.run(backend_url(backend, folder, size, args.postgres, args.bench_db))
                results[backend].append(asyncio.run(one_sweep(url, size, backend == "postgresql")))
    rows = []
    figures: dict[str, object] = {"bench": "due_sweep", "n": max_size}
    for backend, runs in results.items():
        first = runs[0]
        per = float(first["seconds"]) / int(first["size"])  # type: ignore[arg-type]
        for run in runs:
            linear = per * int(run["size"])  # type: ignore[arg-type]
            rows.append(
                [
                    backend,
                    f"{run['size']:,}",
                    run["acted"],
                    run["seconds"],
                    run["cpu_seconds"],
                    round(linear, 3),
                    run["empty_seconds"],
                    run["rerun_acted"],
                ]
            )
        last = runs[-1]
        plan = last["plans"]
        figures[backend] = {
            "seconds": last["seconds"],
            "cpu_seconds": last["cpu_seconds"],
            "empty_seconds": last["empty_seconds"],
            "growth_10x": round(float(last["seconds"]) / float(first["seconds"]), 2),  # type: ignore[arg-type]
            "sizes": {str(r["size"]): r["seconds"] for r in runs},
            "rerun_acted": last["rerun_acted"],
            "before_seconds": list(BEFORE_S[backend]),
            "cpu_sizes": {str(r["size"]): r["cpu_seconds"] for r in runs},
            "index_used": {kind: uses_index(kind, lines) for kind, lines in plan.items()},  # type: ignore[union-attr]
        }
    print_table(
        f"mentoring due-work sweep (target <= {TARGET_S:g} s at {max_size:,}; "
        "baseline = the 10k time scaled linearly, and the same sweep with nothing due)",
        [
            "database",
            "relationships",
            "acted on",
            "sweep s",
            "CPU s",
            "linear from 10k s",
            "nothing due s",
            "re-run acted",
        ],
        rows,
    )
    print(f"\nat {max_size:,}: this run beside the figures measured before (wall seconds)")
    for backend, runs in results.items():
        low, high = BEFORE_S[backend]
        last = runs[-1]
        met = "met" if float(last["seconds"]) <= TARGET_S else "missed"  # type: ignore[arg-type]
        print(
            f"  {backend:<10} before {low:g}–{high:g} s   now {last['seconds']} s "
            f"({last['cpu_seconds']} CPU s)   target <= {TARGET_S:g} s: {met}"
        )
    for backend, runs in results.items():
        print(f"\n{backend}: EXPLAIN of each kind's due query at {max_size:,}")
        for kind, lines in runs[-1]["plans"].items():  # type: ignore[union-attr]
            used = "its index" if uses_index(kind, lines) else "NOT its index"
            print(f"  {kind} ({used}): " + " | ".join(line.strip() for line in lines))
    print_json(figures)


if __name__ == "__main__":
    main()
