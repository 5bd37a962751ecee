"""Pulse surveys: results with suppression for every breakdown of a 10,000-answer round,
chart rendering per chart, and answers submitted over signed Slack HTTP at 16 at once.

1. One closed round of 10,000 answers (6 institutions × 4 roles, a few small cells):
   the sealing itself, then every view a coordinator can ask for (everyone, by
   institution, by role, each institution by role, each role by institution) with
   the anonymity rule applied across all of them — what `pulse results` computes
   before drawing. Target: <= 200 ms for all the views together.
2. Drawing one chart (matplotlib, PNG): a 5-bar scale, an 11-bar 0–10, a trend line.
3. 2,000 answers as Slack modal submissions (`view_submission`, signed) into the real
   app, 16 in flight at once, each a different member — against a bare Bolt app whose
   view_submission listener only acks, at the same concurrency in the same run, in
   alternating slices. Target: our p95 <= 2× bare Bolt's.

SQLite always; PostgreSQL too with --postgres URL (or TEST_DATABASE_URL): the benchmark
creates (and drops) its own database `bm_bench_pulse` on that server.

    .venv/bin/python benchmarks/bench_pulse.py [--answers 10000] [--submissions 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too

from benchmarks._common import fresh_database, print_json, print_table, summary_ms
from benchmarks.bench_slack_ack import SECRET, TOKEN, serve, slack_settings
from bot import charts
from bot.app import create_app
from bot.clock import FixedClock
from bot.runtime import Runtime
from handlers.pulse import rounds as pulse_rounds
from handlers.pulse.breakdown import EVERYONE, Sealed, View, mean, rows_of
from handlers.pulse.questions import parse
from store.audience import network_roles
from store.migrate import upgrade
from store.models import Institution, Member, PlatformIdentity, RoleGrant
from store.pulse import queries as store
from store.pulse.models import PulseAnswer, PulseReceipt, PulseRound, PulseSurvey

TEAM = "T1"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
RESULTS_TARGET_MS = 200.0
RATIO_TARGET = 2.0
BENCH_DB = "bm_bench_pulse"
QUESTIONS = parse(
    "scale: I have time for my own development | Strongly disagree | Strongly agree\n"
    "likely: How likely are you to recommend a technician-led event to a colleague?\n"
    "choice: Which would help your career most? | Training | Mentoring | Time for CPD\n"
    "multi: Which did you go to this term? | Careers talk | Facility tour | Showcase\n"
    "text: Anything else you'd like the network to know?"
).questions
ROLES = ["technician"] * 90 + ["champion"] * 6 + ["coordinator"] * 3 + ["admin"]


def answers_for(rng: random.Random) -> dict[str, Any]:
    return {
        "q1": str(rng.randint(1, 5)),
        "q2": str(rng.randint(0, 10)),
        "q3": str(rng.randint(1, 3)),
        "q4": sorted(rng.sample(["1", "2", "3"], rng.randint(1, 3))),
        "q5": "More time for training, please." if rng.random() < 0.2 else None,
    }


async def seed(runtime: Runtime, members: int, rng: random.Random) -> tuple[int, list[str]]:
    """Members (Slack users of one workspace) at 6 institutions, a survey, one open round."""
    async with runtime.sessions() as session, session.begin():
        places = [Institution(short_name=f"u{n}", name=f"University {n}") for n in range(6)]
        session.add_all(places)
        await session.flush()
        rows = [
            {
                "display_name": f"Technician {n}",
                "institution_id": places[min(5, int(rng.expovariate(0.6)))].id,
                "specialisms": [],
                "created_at": NOW,
                "updated_at": NOW,
            }
            for n in range(members)
        ]
        for start in range(0, members, 2000):
            await session.execute(insert(Member), rows[start : start + 2000])
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
        users = [f"U{n:06d}" for n in range(members)]
        identities = [
            {
                "member_id": member_id,
                "platform": "slack",
                "workspace": TEAM,
                "user_id": user,
                "profile_synced_at": NOW,
                "created_at": NOW,
            }
            for member_id, user in zip(ids, users, strict=True)
        ]
        for start in range(0, members, 2000):
            await session.execute(insert(PlatformIdentity), identities[start : start + 2000])
        grants = [
            {"member_id": m, "role": role, "granted_at": NOW}
            for m in ids
            if (role := rng.choice(ROLES)) != "technician"
        ]
        await session.execute(insert(RoleGrant), grants)
        survey = PulseSurvey(
            coordinator_id=ids[0],
            title="Technician pulse",
            questions=QUESTIONS,
            audience={"network": True},
            rounds=1,
            open_days=7,
            reminder_days=[],
            status="sent",
            created_at=NOW,
            sent_at=NOW,
        )
        session.add(survey)
        await session.flush()
        await store.schedule_rounds(session, survey, NOW)
        found = await session.scalar(select(PulseRound).where(PulseRound.survey_id == survey.id))
        assert found is not None
        await store.open_round(session, found, members)
        return found.id, users


async def fill_round(runtime: Runtime, round_id: int, answers: int, rng: random.Random) -> None:
    """`answers` anonymous answers and their receipts, written as the store writes them."""
    async with runtime.sessions() as session, session.begin():
        found = await session.get(PulseRound, round_id)
        assert found is not None and found.seal
        members = list(await session.scalars(select(Member.id).order_by(Member.id).limit(answers)))
        cells = await network_roles(session, members)
        places = {
            row.id: row.institution_id
            for row in await session.execute(select(Member.id, Member.institution_id))
        }
        rows = [
            {
                "id": store.random_id(),
                "round_id": round_id,
                "tag": store.owner_tag(found.seal, m),
                "institution_id": places[m] or 0,
                "role": cells[m],
                "answers": answers_for(rng),
            }
            for m in members
        ]
        rng.shuffle(rows)
        for start in range(0, len(rows), 2000):
            await session.execute(insert(PulseAnswer), rows[start : start + 2000])
        receipts = [
            {"round_id": round_id, "member_id": m, "answered_on": NOW.date()} for m in members
        ]
        for start in range(0, len(receipts), 2000):
            await session.execute(insert(PulseReceipt), receipts[start : start + 2000])
        found.unsettled = True


def every_view(sealed: Sealed) -> list[View]:
    institutions = sorted({i for i, _ in sealed.respondents})
    roles = sorted({r for _, r in sealed.respondents})
    views = [View(), View("institution"), View("role")]
    views += [View("role", ("i", i)) for i in institutions]
    views += [View("institution", ("r", r)) for r in roles]
    return views


async def all_results(runtime: Runtime, round_id: int) -> int:
    """What `pulse results` computes for every view: tallies, the rule, each figure."""
    figures = 0
    async with runtime.sessions() as session:
        tallies = await store.tallies(session, [round_id])
        receipts = await store.receipts_count(session, round_id)
    sealed = Sealed.of(tallies[round_id])
    assert sealed.total <= receipts
    shown = sealed.shown()
    for view in every_view(sealed):
        for group in rows_of(sealed, view):
            if group not in shown:
                continue
            for q in QUESTIONS:
                if q["kind"] != "text":
                    values = sealed.values(group, q["key"])
                    mean(values)
                    figures += len(values)
    assert EVERYONE in shown
    return figures


async def measure_results(url: str, answers: int, repeats: int) -> dict[str, Any]:
    rng = random.Random(17)
    runtime = Runtime.create(slack_settings(url, "http://127.0.0.1:9"), clock=FixedClock(NOW))
    try:
        round_id, _ = await seed(runtime, answers, rng)
        await fill_round(runtime, round_id, answers, rng)
        started = time.perf_counter()
        async with runtime.sessions() as session, session.begin():
            await pulse_rounds.settle(session)
        shuffled = time.perf_counter() - started
        started = time.perf_counter()
        async with runtime.sessions() as session, session.begin():
            sealed = await pulse_rounds.close_due(session, NOW + timedelta(days=8))
        assert sealed == 1
        seal_s = time.perf_counter() - started
        await all_results(runtime, round_id)  # warm
        samples = []
        for _ in range(repeats):
            began = time.perf_counter()
            await all_results(runtime, round_id)
            samples.append(time.perf_counter() - began)
        async with runtime.sessions() as session:
            tallies = await store.tallies(session, [round_id])
        sealed_round = Sealed.of(tallies[round_id])
        views = len(every_view(sealed_round))
        hidden = len(sealed_round.family()) - len(sealed_round.shown())
    finally:
        await runtime.close()
    return {
        "results": summary_ms(samples),
        "views": views,
        "groups_hidden": hidden,
        "shuffle_ms": round(shuffled * 1000, 1),
        "seal_ms": round(seal_s * 1000, 1),
    }


def measure_charts(repeats: int) -> dict[str, dict[str, float]]:
    kinds = {
        "bar, 5 answers (1-5 scale)": lambda: charts.bar_chart(
            "I have time for my own development", ["1", "2", "3", "4", "5"], [3, 8, 20, 40, 29]
        ),
        "bar, 11 answers (0-10)": lambda: charts.bar_chart(
            "How likely to recommend", [str(n) for n in range(11)], list(range(11))
        ),
        "line, trend over 6 rounds": lambda: charts.line_chart(
            "Average across rounds",
            [f"Round {n}" for n in range(1, 7)],
            {"Q1": [3.1, 3.3, 3.2, 3.6, 3.8, 3.9], "Q2": [7.0, 7.2, 6.8, 7.5, 7.9, 8.1]},
        ),
    }
    found = {}
    kinds["bar, 5 answers (1-5 scale)"]()  # matplotlib's first import
    for name, draw in kinds.items():
        samples = []
        for _ in range(repeats):
            began = time.perf_counter()
            chart = draw()
            samples.append(time.perf_counter() - began)
            assert chart.png[:4] == b"\x89PNG" and chart.alt
        found[name] = {**summary_ms(samples), "png_kb": round(len(chart.png) / 1024, 1)}
    return found


# --- answers over signed Slack HTTP ---------------------------------------------------


def signed_submission(user: str, round_id: int, rng: random.Random) -> tuple[bytes, dict]:
    answers = answers_for(rng)
    values: dict[str, Any] = {}
    for key, value in answers.items():
        if key == "q4":
            values[key] = {
                key: {
                    "type": "multi_static_select",
                    "selected_options": [{"value": v} for v in value],
                }
            }
        elif key == "q5":
            values[key] = {key: {"type": "plain_text_input", "value": value}}
        else:
            values[key] = {key: {"type": "static_select", "selected_option": {"value": value}}}
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "uni"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0001",
        "trigger_id": "t",
        "view": {
            "id": "V1",
            "hash": "h",
            "type": "modal",
            "callback_id": "pulse.answer",
            "private_metadata": json.dumps({"s": str(round_id), "c": "D1", "d": 1}),
            "title": {"type": "plain_text", "text": "Pulse survey"},
            "state": {"values": values},
        },
    }
    body = urlencode({"payload": json.dumps(payload)})
    import hashlib
    import hmac

    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    return body.encode(), headers


def bare_bolt(api_url: str) -> web.Application:
    bolt = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET)

    @bolt.view("pulse.answer")
    async def only_ack(ack):  # type: ignore[no-untyped-def]
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


async def fake_api() -> tuple[web.AppRunner, str]:
    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "team_id": TEAM})
        if method == "conversations.open":
            return web.json_response({"ok": True, "channel": {"id": "D1"}})
        return web.json_response({"ok": True, "ts": "1.0", "channel": "D1"})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    return await serve(app)


async def measure_answers(url: str, members: int, concurrency: int) -> dict[str, Any]:
    rng = random.Random(23)
    api_runner, api = await fake_api()
    runtime = Runtime.create(slack_settings(url, api), clock=FixedClock(NOW))
    try:
        round_id, users = await seed(runtime, members, rng)
        ours_runner, ours = await serve(create_app(runtime))
        bare_runner, bare = await serve(bare_bolt(api + "/api/"))
        samples: dict[str, list[float]] = {"benchmate": [], "bare bolt": []}
        statuses: dict[str, int] = {}

        async def post(http: ClientSession, base: str, user: str) -> float:
            body, headers = signed_submission(user, round_id, rng)
            began = time.perf_counter()
            async with http.post(base + "/slack/events", data=body, headers=headers) as response:
                text = await response.read()
                statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
                assert response.status == 200, (response.status, text[:200])
                assert b"errors" not in text, text[:300]
            return time.perf_counter() - began

        async def slice_of(http: ClientSession, base: str, who: list[str], into: list[float]):  # type: ignore[no-untyped-def]
            gate = asyncio.Semaphore(concurrency)

            async def one(user: str) -> None:
                async with gate:
                    into.append(await post(http, base, user))

            await asyncio.gather(*(one(user) for user in who))

        started = time.perf_counter()
        async with ClientSession() as http:
            await slice_of(http, ours, users[-concurrency:], [])  # warm both
            await slice_of(http, bare, users[-concurrency:], [])
            step = 200
            for start in range(0, members - concurrency, step):
                who = users[start : min(start + step, members - concurrency)]
                await slice_of(http, ours, who, samples["benchmate"])
                await slice_of(http, bare, who, samples["bare bolt"])
        seconds = time.perf_counter() - started
        await ours_runner.cleanup()
        await bare_runner.cleanup()
        async with runtime.sessions() as session:
            stored = len(list(await session.scalars(select(PulseAnswer.id))))
            receipts = await store.receipts_count(session, round_id)
    finally:
        await runtime.close()
        await api_runner.cleanup()
    ours_s, bare_s = summary_ms(samples["benchmate"]), summary_ms(samples["bare bolt"])
    return {
        "benchmate": ours_s,
        "bare": bare_s,
        "ratio": round(ours_s["p95_ms"] / bare_s["p95_ms"], 2),
        "answers_stored": stored,
        "receipts": receipts,
        "seconds": round(seconds, 1),
    }


async def measure(url: str, answers: int, submissions: int, levels: list[int]) -> dict[str, Any]:
    result = await measure_results(url, answers, repeats=20)
    result["answers_http"] = {}
    for level in levels:
        # A fresh database per level; fewer requests one at a time (it is the slow one).
        count = submissions if level > 1 else min(submissions, 300)
        if url.startswith("postgresql"):
            here = await fresh_database(url, f"{BENCH_DB}_c{level}")
        else:
            here = url.replace("bench.db", f"bench_c{level}.db")
        await asyncio.to_thread(upgrade, here)
        result["answers_http"][level] = await measure_answers(here, count + level, level)
    return result


def figures_of(result: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {
        "results_p50_ms": result["results"]["p50_ms"],
        "results_p95_ms": result["results"]["p95_ms"],
        "seal_ms": result["seal_ms"],
    }
    for level, http in result["answers_http"].items():
        found[f"c{level}"] = {
            "p50_ms": http["benchmate"]["p50_ms"],
            "p95_ms": http["benchmate"]["p95_ms"],
            "baseline_p95_ms": http["bare"]["p95_ms"],
            "ratio": http["ratio"],
        }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--submissions", type=int, default=2_000)
    parser.add_argument("--concurrency", default="1,16", help="levels, comma-separated")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    levels = [int(level) for level in args.concurrency.split(",")]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite+aiosqlite:///{folder}/bench.db"
        upgrade(sqlite_url)
        results["sqlite"] = asyncio.run(measure(sqlite_url, args.answers, args.submissions, levels))
    if args.postgres:
        pg_url = asyncio.run(fresh_database(args.postgres, BENCH_DB))
        upgrade(pg_url)
        results["postgresql"] = asyncio.run(measure(pg_url, args.answers, args.submissions, levels))
    chart_times = measure_charts(repeats=15)

    rows = []
    for db, r in results.items():
        verdict = "met" if r["results"]["p95_ms"] <= RESULTS_TARGET_MS else "MISSED"
        rows.append(
            [
                db,
                f"results, all {r['views']} views, suppression across them ({verdict})",
                r["results"]["p50_ms"],
                r["results"]["p95_ms"],
                f"target {RESULTS_TARGET_MS:g}",
            ]
        )
        rows.append([db, f"  sealing the round ({args.answers:,} answers)", "", r["seal_ms"], ""])
        rows.append([db, "  shuffling the open round's rows", "", r["shuffle_ms"], ""])
        for level, http in r["answers_http"].items():
            rows.append(
                [
                    db,
                    f"answers over signed Slack HTTP, c{level}",
                    http["benchmate"]["p50_ms"],
                    http["benchmate"]["p95_ms"],
                    "",
                ]
            )
            rows.append(
                [
                    db,
                    f"  baseline: bare Bolt view_submission ack, c{level}",
                    http["bare"]["p50_ms"],
                    http["bare"]["p95_ms"],
                    "",
                ]
            )
            verdict = "met" if http["ratio"] <= RATIO_TARGET else "MISSED"
            rows.append(
                [
                    db,
                    f"  ratio p95 ours / bare, c{level} ({verdict})",
                    "",
                    http["ratio"],
                    f"target {RATIO_TARGET:g}",
                ]
            )
    for name, t in chart_times.items():
        rows.append(["-", f"chart: {name} ({t['png_kb']} KB PNG)", t["p50_ms"], t["p95_ms"], ""])
    print_table(
        f"Pulse: one round of {args.answers:,} answers; {args.submissions:,} Slack submissions",
        ["db", "what", "p50 ms", "p95 ms", ""],
        rows,
    )
    figures: dict[str, Any] = {
        "bench": "pulse",
        "n": args.answers,
        "submissions": args.submissions,
        "charts": {name: t["p95_ms"] for name, t in chart_times.items()},
    }
    for db, r in results.items():
        figures[db] = figures_of(r)
    print_json(figures)


if __name__ == "__main__":
    main()
