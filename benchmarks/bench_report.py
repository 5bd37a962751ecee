"""The impact report over three years of a 50,000-member network.

Loaded: 50,000 members in 12 institutions over three years (a tenth on Slack and Teams
both), 2,000 events, 200,000 RSVPs (each with its invitation), their attendance and
feedback, 20,000 mentoring pairs (with their requests) and 100,000 meetings.

Measured, on SQLite and on PostgreSQL:
- the report's figures for the last twelve months, for the network and for one
  institution, with the number of SQL statements they take (also at a tenth of the size:
  the count must not grow with the data);
- the whole `report` turn as an admin (figures, three charts drawn and published, the
  reply), target <= 1 s;
- the evidence pack (Download: figures again, XLSX, PDF with charts, both published),
  target <= 5 s.
Beside the figures: a naive count that reads the period's rows into Python and counts
them there (what "no Python loops over every row" rules out), in the same run.

    .venv/bin/python benchmarks/bench_report.py [--members 50000] [--postgresql SCRATCH_URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select, text

from benchmarks._common import fresh_schema, print_json, print_table, summary_ms
from bot.clock import FixedClock
from bot.harness import Harness
from bot.root import create_runtime
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.mentoring.evaluations import QUESTIONS
from store.events.models import Event, EventAttendance, EventDelivery, EventFeedback, EventRsvp
from store.members import grant_role
from store.mentoring.models import Meeting, MentorRequest, Relationship, Scheme
from store.migrate import upgrade
from store.models import Institution, Member, PlatformIdentity
from store.report.build import build
from store.report.period import Period

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
YEARS = 3
DAYS = 365 * YEARS
ZONE = ZoneInfo("Europe/London")
REPORT_TARGET_S, PACK_TARGET_S = 1.0, 5.0
CHUNK = 5_000
RUNS = 7


def scaled(members: int) -> dict[str, int]:
    """The issue's network at 50,000 members, the same shape at any size."""
    k = members / 50_000
    return {
        "members": members,
        "events": max(20, int(2_000 * k)),
        "rsvps": int(200_000 * k),
        "pairs": int(20_000 * k),
        "meetings": int(100_000 * k),
    }


def instant(rng: random.Random, days_back: int = DAYS) -> datetime:
    return NOW - timedelta(days=rng.uniform(1, days_back))


async def load(runtime: Runtime, size: dict[str, int], rng: random.Random) -> None:
    async with runtime.sessions() as session, session.begin():
        session.add_all(
            Institution(short_name=f"uni{i}", name=f"University {i}") for i in range(12)
        )
        await session.flush()
        places = list(await session.scalars(select(Institution.id)))
        members = [
            {
                "display_name": f"Member {n}",
                "institution_id": rng.choice(places),
                "specialisms": [],
                "created_at": instant(rng),
                "updated_at": NOW,
            }
            for n in range(size["members"])
        ]
        await _insert(session, Member, members)
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
        identities = []
        for n, member_id in enumerate(ids):
            platforms = ["slack", "teams"] if n % 10 == 0 else [rng.choice(["slack", "teams"])]
            identities += [
                {
                    "member_id": member_id,
                    "platform": platform,
                    "workspace": "W",
                    "user_id": f"{platform}-{n}",
                    "created_at": NOW,
                }
                for platform in platforms
            ]
        await _insert(session, PlatformIdentity, identities)
        await grant_role(session, ids[0], "admin", NOW)
        champions = ids[1:200]
        events = []
        for _ in range(size["events"]):
            starts = instant(rng)
            events.append(
                {
                    "title": "Hub event",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "audience": {"network": True},
                    "network_wide": True,
                    "status": "sent",
                    "uid": uuid.uuid4().hex,
                    "calendar_token": uuid.uuid4().hex,
                    "champion_id": rng.choice(champions),
                    "sent_at": starts - timedelta(days=14),
                    "created_at": starts - timedelta(days=14),
                    "updated_at": starts,
                }
            )
        await _insert(session, Event, events)
        event_rows = (await session.execute(select(Event.id, Event.starts_at))).all()
        per_event = max(1, size["rsvps"] // len(event_rows))
        rsvps, came, feedback = [], [], []
        for event_id, starts in event_rows:
            for member_id in rng.sample(ids, min(per_event, len(ids))):
                answer = rng.choices(["going", "maybe", "not_going"], [6, 2, 2])[0]
                rsvps.append(
                    {
                        "event_id": event_id,
                        "member_id": member_id,
                        "answer": answer,
                        "answered_at": starts - timedelta(days=3),
                    }
                )
                if answer == "going" and rng.random() < 0.75:
                    came.append(
                        {
                            "event_id": event_id,
                            "member_id": member_id,
                            "how": "checkin",
                            "recorded_at": starts,
                            "feedback_given": rng.random() < 0.3,
                        }
                    )
                    if came[-1]["feedback_given"]:
                        feedback.append(
                            {
                                "id": uuid.uuid4().hex,
                                "event_id": event_id,
                                "score": rng.randint(2, 5),
                            }
                        )
        await _insert(session, EventRsvp, rsvps)
        await _insert(
            session,
            EventDelivery,
            [{"event_id": r["event_id"], "member_id": r["member_id"]} for r in rsvps],
        )
        await _insert(session, EventAttendance, came)
        await _insert(session, EventFeedback, feedback)
        scheme = Scheme(name="Scheme", short_name="s", created_at=NOW - timedelta(days=DAYS))
        session.add(scheme)
        await session.flush()
        requests, pairs = [], []
        for _ in range(size["pairs"]):
            mentor, mentee = rng.sample(ids, 2)
            asked = instant(rng)
            requests.append(
                {
                    "scheme_id": scheme.id,
                    "mentee_id": mentee,
                    "mentor_id": mentor,
                    "status": "accepted",
                    "created_at": asked,
                    "expires_at": asked + timedelta(days=3),
                    "answered_at": asked + timedelta(days=1),
                }
            )
        await _insert(session, MentorRequest, requests)
        for request_id, mentor, mentee, asked in (
            await session.execute(
                select(
                    MentorRequest.id,
                    MentorRequest.mentor_id,
                    MentorRequest.mentee_id,
                    MentorRequest.created_at,
                )
            )
        ).all():
            started = asked + timedelta(days=1)
            closed = started + timedelta(days=rng.randint(60, 400))
            pairs.append(
                {
                    "scheme_id": scheme.id,
                    "mentor_id": mentor,
                    "mentee_id": mentee,
                    "request_id": request_id,
                    "status": "closed" if closed < NOW else "active",
                    "started_at": started,
                    "closed_at": closed if closed < NOW else None,
                    "exit_reason": rng.choice(["objectives_met", "circumstances", "other"])
                    if closed < NOW
                    else None,
                    "stall_reported_at": started + timedelta(days=50)
                    if rng.random() < 0.05
                    else None,
                }
            )
        await _insert(session, Relationship, pairs)
        pair_rows = (
            await session.execute(
                select(Relationship.id, Relationship.mentee_id, Relationship.started_at)
            )
        ).all()
        meetings = []
        for _ in range(size["meetings"]):
            pair_id, mentee, started = rng.choice(pair_rows)
            held = min(started + timedelta(days=rng.randint(5, 300)), NOW - timedelta(days=1))
            meetings.append(
                {
                    "relationship_id": pair_id,
                    "held_on": held.date(),
                    "happened": True,
                    "objectives_reviewed": [],
                    "logged_by": mentee,
                    "created_at": held,
                }
            )
        await _insert(session, Meeting, meetings)


async def _insert(session, model, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[start : start + CHUNK])


class Statements:
    """Counts the SQL statements sent while it is on."""

    def __init__(self, runtime: Runtime) -> None:
        self.count = 0
        event.listen(runtime.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1


async def figures(runtime: Runtime, institution_id: int | None) -> None:
    async with runtime.sessions() as session:
        place = await session.get(Institution, institution_id) if institution_id else None
        await build(
            session,
            Period.year_to(TODAY),
            zone=ZONE,
            now=NOW,
            institution=place,
            evaluation_questions=QUESTIONS,
        )


async def naive(runtime: Runtime) -> None:
    """The baseline: the period's rows into Python, counted there (a few of the figures)."""
    start, end = Period.year_to(TODAY).bounds(ZONE)
    async with runtime.sessions() as session:
        held = {
            event_id
            for event_id, ends in (await session.execute(select(Event.id, Event.ends_at))).all()
            if start <= ends < end
        }
        rsvps = (await session.execute(select(EventRsvp.event_id, EventRsvp.answer))).all()
        sum(1 for event_id, answer in rsvps if event_id in held and answer == "going")
        came = (
            await session.execute(select(EventAttendance.event_id, EventAttendance.member_id))
        ).all()
        people = [member for event_id, member in came if event_id in held]
        len(set(people))
        pairs = (await session.execute(select(Relationship.started_at))).all()
        sum(1 for (started,) in pairs if start <= started < end)
        meetings = (await session.execute(select(Meeting.held_on))).all()
        sum(1 for (held_on,) in meetings if start.date() <= held_on < end.date())


async def timed(run, times: int = RUNS) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        await run()
        samples.append(time.perf_counter() - started)
    return samples


async def measure(url: str, members: int) -> dict[str, object]:
    rng = random.Random(18)
    runtime = create_runtime(
        Settings(_env_file=None, database_url=url),  # type: ignore[call-arg]
        clock=FixedClock(NOW),
    )
    try:
        started = time.perf_counter()
        await load(runtime, scaled(members), rng)
        await settle(runtime)
        loaded = time.perf_counter() - started
        async with runtime.sessions() as session:
            one_place = await session.scalar(select(Institution.id).limit(1))
            admin = await session.scalar(
                select(PlatformIdentity).where(
                    PlatformIdentity.member_id
                    == select(Member.id).order_by(Member.id).limit(1).scalar_subquery()
                )
            )
        harness = Harness(runtime, platform=admin.platform, workspace=admin.workspace)
        statements = Statements(runtime)
        await figures(runtime, None)  # warm
        statements.count = 0
        await figures(runtime, None)
        network_statements = statements.count
        statements.count = 0
        await figures(runtime, one_place)
        institution_statements = statements.count
        network = summary_ms(await timed(lambda: figures(runtime, None)))
        institution = summary_ms(await timed(lambda: figures(runtime, one_place)))
        baseline = summary_ms(await timed(lambda: naive(runtime), 3))

        async def whole_turn() -> None:
            turn = await harness.say(admin.user_id, "report")
            assert "Impact report for the network" in turn.text, turn.text

        await whole_turn()
        turn = summary_ms(await timed(whole_turn, 5))
        reply = await harness.say(admin.user_id, "report")
        download = reply.button("Download evidence pack")

        async def pack() -> None:
            done = await harness.press(admin.user_id, download)
            assert done.button("PDF").url, done.text

        packs = await timed(pack, 3)
        return {
            "members": members,
            "load_s": round(loaded, 1),
            "statements_network": network_statements,
            "statements_institution": institution_statements,
            "figures": network,
            "figures_institution": institution,
            "naive": baseline,
            "turn": turn,
            "pack_s": round(max(packs), 3),
        }
    finally:
        await runtime.close()


async def backend_url(backend: str, folder: str, tag: str, scratch: str | None) -> str:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder}/report-{tag}.db"
        await asyncio.to_thread(upgrade, url)
        return url
    assert scratch
    await fresh_schema(scratch)
    return scratch


async def settle(runtime: Runtime) -> None:
    """Statistics after the bulk load, as a live database's autovacuum would have them."""
    async with runtime.engine.connect() as connection:
        if runtime.engine.dialect.name == "postgresql":
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
        else:
            await connection.execute(text("ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("BENCH_REPORT_DATABASE_URL"),
        help="a scratch PostgreSQL database: its schema is dropped and rebuilt",
    )
    args = parser.parse_args()
    backends = ["sqlite", *(["postgresql"] if args.postgresql else [])]
    results: dict[str, dict[str, object]] = {}
    small: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            for members, into in ((args.members // 10, small), (args.members, results)):
                url = asyncio.run(backend_url(backend, folder, str(members), args.postgresql))
                into[backend] = asyncio.run(measure(url, members))
    rows = []
    for backend in backends:
        got = results[backend]
        rows += [
            [
                backend,
                "figures, network",
                got["figures"]["p50_ms"],
                got["figures"]["p95_ms"],
                got["naive"]["p50_ms"],
                got["statements_network"],
                small[backend]["statements_network"],
            ],
            [
                backend,
                "figures, one institution",
                got["figures_institution"]["p50_ms"],
                got["figures_institution"]["p95_ms"],
                "",
                got["statements_institution"],
                small[backend]["statements_institution"],
            ],
            [
                backend,
                f"whole report turn (target {REPORT_TARGET_S * 1000:.0f})",
                got["turn"]["p50_ms"],
                got["turn"]["p95_ms"],
                "",
                "",
                "",
            ],
            [
                backend,
                f"evidence pack (target {PACK_TARGET_S * 1000:.0f})",
                "",
                round(got["pack_s"] * 1000),
                "",
                "",
                "",
            ],
        ]
    size = scaled(args.members)
    print_table(
        f"report over {YEARS} years: {size['members']:,} members, {size['events']:,} events, "
        f"{size['rsvps']:,} RSVPs, {size['pairs']:,} pairs, {size['meetings']:,} meetings",
        [
            "database",
            "what",
            "p50 ms",
            "p95 ms",
            "naive p50 ms",
            "statements",
            f"statements at {args.members // 10:,}",
        ],
        rows,
    )
    figures_out: dict[str, object] = {"bench": "bench_report", **size}
    for backend in backends:
        got = results[backend]
        figures_out[backend] = {
            "p50_ms": got["turn"]["p50_ms"],
            "p95_ms": got["turn"]["p95_ms"],
            "figures_p95_ms": got["figures"]["p95_ms"],
            "pack_seconds": got["pack_s"],
            "statements": got["statements_network"],
            "statements_small": small[backend]["statements_network"],
            "ratio": round(got["figures"]["p50_ms"] / got["naive"]["p50_ms"], 3),
            "load_s": got["load_s"],
        }
    print_json(figures_out)


if __name__ == "__main__":
    main()
