"""Nominations at the deadline: 3,000 members each submit a nomination in the last hour,
as signed Slack `view_submission`s over loopback HTTP, 16 at a time; and certificates of
nomination for 500 nominees.

Benchmate (the real app: signature check, the turn, the name lookup, the unique key that
merges duplicates into supporting statements, the consent request in the outbox) runs
beside a bare Bolt app whose view listener only acks, in the same process; requests go in
alternating chunks so both share the machine's conditions. Every fourth submission names
someone already nominated, so merging is exercised. Afterwards: zero duplicates (one
nomination per nominee and category) and zero lost (nominations + supporting statements
= submissions). Target: our p95 at most 2x the bare handler's. On SQLite, and on
PostgreSQL with --postgresql URL (a scratch database: its schema is reset).

Run: .venv/bin/python benchmarks/bench_nominations.py [--n 3000] [--postgresql URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession, web
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too

from adapters.slack.modals import render_modal
from benchmarks._common import fresh_schema, percentile, print_json, print_table
from benchmarks.bench_slack_ack import SECRET, TOKEN, mounted, serve, slack_settings
from bot.root import create_app, create_runtime
from bot.runtime import Runtime
from handlers.nominations.certificates import certificate_batch
from handlers.nominations.nominate import statement_form
from store.models import Institution, Member, PlatformIdentity
from store.nominations.models import Category, Drive, Nomination, Support

CONCURRENCY = 16
CHUNK = 100
TEAM = "T1"
STATEMENT = (
    "Keeps the mass spectrometry suite running for two hundred researchers, trains every "
    "new starter, and rebuilt the sample booking system in her own time. "
) * 3


async def fake_web_api() -> tuple[web.AppRunner, str]:
    """Every Web API method answers ok (auth.test, users.info, chat.postMessage…)."""

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "team_id": TEAM})
        return web.json_response(
            {
                "ok": True,
                "channel": {"id": "D1"},
                "ts": "1.0",
                "user": {"id": "U1", "tz": "Europe/London"},
            }
        )

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    return await serve(app)


def bare_bolt(api_url: str) -> web.Application:
    bolt = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET)

    @bolt.view("nominate.submit")
    async def only_ack(ack):  # type: ignore[no-untyped-def]
        await ack()

    return mounted(bolt)


def name(i: int) -> str:
    return f"Technician {i:05d}"


async def seed(runtime: Runtime, members: int) -> Category:
    """An institution, `members` members on Slack, and a drive closing in an hour."""
    now = datetime.now(UTC)
    async with runtime.sessions() as session, session.begin():
        place = Institution(short_name="bench", name="University of Benchmarks")
        session.add(place)
        await session.flush()
        rows = [
            {
                "display_name": name(i),
                "institution_id": place.id,
                "specialisms": [],
                "created_at": now,
                "updated_at": now,
                "email_verified": False,
                "proactive_paused": False,
                "job_title": "",
            }
            for i in range(members)
        ]
        ids = list(
            await session.scalars(
                select(Member.id).from_statement(
                    Member.__table__.insert().returning(Member.__table__.c.id)
                ),
                rows,
            )
        )
        await session.execute(
            PlatformIdentity.__table__.insert(),
            [
                {
                    "member_id": member_id,
                    "platform": "slack",
                    "workspace": TEAM,
                    "user_id": f"U{i:05d}",
                    "display_name": name(i),
                    "created_at": now,
                    "profile_synced_at": now,
                    "last_seen_at": now,
                }
                for i, member_id in enumerate(ids)
            ],
        )
        drive = Drive(
            title="Papin Prizes 2027",
            award="",
            coordinator_id=ids[0],
            status="open",
            internal_deadline=now + timedelta(hours=1),
            review_until=now + timedelta(days=7),
            external_deadline=now + timedelta(days=14),
            criteria=["Impact"],
            audience={"network": True},
            year=2027,
            announced_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(drive)
        await session.flush()
        category = Category(drive_id=drive.id, name="Technician of the Year", word_limit=200)
        session.add(category)
        await session.flush()
        return category


def nominee_of(i: int, members: int) -> int:
    """Member i nominates someone else; every fourth names the one before's nominee."""
    target = (i * 7 + 1) % members if i % 4 else ((i - 1) * 7 + 1) % members
    return target if target != i else (i + 1) % members


def submission_body(
    view: dict[str, Any], user: int, colleague: str
) -> tuple[bytes, dict[str, str]]:
    state = {
        "colleague": {"colleague": {"type": "plain_text_input", "value": colleague}},
        "statement": {"statement": {"type": "plain_text_input", "value": STATEMENT}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "uni"},
        "user": {"id": f"U{user:05d}", "team_id": TEAM},
        "api_app_id": "A0001",
        "trigger_id": f"trigger-{user}",
        "view": {**view, "id": f"V{user}", "hash": "h", "state": {"values": state}},
    }
    body = urlencode({"payload": json.dumps(payload)})
    return body.encode(), signed_headers(body)


def signed_headers(body: str) -> dict[str, str]:
    import hashlib
    import hmac

    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }


async def post(
    http: ClientSession, url: str, body: bytes, headers: dict[str, str], gate: asyncio.Semaphore
) -> tuple[float, int]:
    async with gate:
        start = time.perf_counter()
        async with http.post(url + "/slack/events", data=body, headers=headers) as response:
            await response.read()
            return (time.perf_counter() - start) * 1000, response.status


async def submissions(database_url: str, n: int) -> dict[str, Any]:
    await fresh_schema(database_url)
    api_runner, api = await fake_web_api()
    runtime = create_runtime(slack_settings(database_url, api))
    category = await seed(runtime, n)
    view = render_modal(statement_form(category, state=str(category.id), with_colleague=True), {})
    servers = {
        "benchmate": await serve(create_app(runtime)),
        "bare bolt": await serve(bare_bolt(api + "/api/")),
    }
    samples: dict[str, list[float]] = {s: [] for s in servers}
    failures = dict.fromkeys(servers, 0)
    gate = asyncio.Semaphore(CONCURRENCY)
    started = time.perf_counter()
    async with ClientSession() as http:
        for first in range(0, n, CHUNK):
            for server, (_, url) in servers.items():
                bodies = [
                    submission_body(view, i, name(nominee_of(i, n)))
                    for i in range(first, min(n, first + CHUNK))
                ]
                done = await asyncio.gather(*(post(http, url, b, h, gate) for b, h in bodies))
                samples[server] += [took for took, _ in done]
                failures[server] += sum(status != 200 for _, status in done)
    seconds = time.perf_counter() - started
    async with runtime.sessions() as session:
        nominations = await session.scalar(select(func.count()).select_from(Nomination)) or 0
        supports = await session.scalar(select(func.count()).select_from(Support)) or 0
        nominees = (
            await session.scalar(select(func.count(func.distinct(Nomination.nominee_id)))) or 0
        )
    for runner, _ in [*servers.values(), (api_runner, "")]:
        await runner.cleanup()
    await runtime.close()
    ours, bare = samples["benchmate"], samples["bare bolt"]
    figures = {
        "n": n,
        "p50_ms": round(percentile(ours, 50), 2),
        "p95_ms": round(percentile(ours, 95), 2),
        "baseline_p50_ms": round(percentile(bare, 50), 2),
        "baseline_p95_ms": round(percentile(bare, 95), 2),
        "seconds": round(seconds, 2),
        "duplicates": nominations - nominees,
        "lost": n - nominations - supports,
        "supporting_statements": supports,
        "failed_requests": failures["benchmate"],
    }
    figures["ratio"] = round(figures["p95_ms"] / figures["baseline_p95_ms"], 2)
    return figures


async def certificates(database_url: str, nominees: int) -> dict[str, Any]:
    """Close a drive with `nominees` consenting nominees; make and queue every certificate."""
    await fresh_schema(database_url)
    runtime = create_runtime(slack_settings(database_url, "http://127.0.0.1:9"))
    category = await seed(runtime, nominees)
    now = datetime.now(UTC)
    async with runtime.sessions() as session, session.begin():
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
        await session.execute(
            Nomination.__table__.insert(),
            [
                {
                    "drive_id": category.drive_id,
                    "category_id": category.id,
                    "nominee_id": m,
                    "nominator_id": ids[0],
                    "statement": "s",
                    "status": "accepted",
                    "facts": "",
                    "shortlisted": False,
                    "winner": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for m in ids
            ],
        )
        drive = await session.get(Drive, category.drive_id)
        assert drive is not None
        drive.status, drive.closed_at = "closed", now
    started = time.perf_counter()
    made = 0
    while True:
        async with runtime.sessions() as session, session.begin():
            batch = await certificate_batch(session, runtime.settings, now)
        made += batch
        if batch == 0:
            break
    seconds = time.perf_counter() - started
    await runtime.close()
    return {
        "nominees": nominees,
        "made": made,
        "seconds": round(seconds, 2),
        "seconds_per_certificate": round(seconds / max(made, 1), 4),
    }


async def run(n: int, nominees: int, postgresql: str | None) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench_nominations_"))
    databases = {"sqlite": f"sqlite+aiosqlite:///{folder / '{}.db'}"}
    if postgresql:
        databases["postgresql"] = postgresql
    result: dict[str, Any] = {"bench": "nominations", "n": n, "concurrency": CONCURRENCY}
    rows = []
    for label, url in databases.items():
        figures = await submissions(url.replace("{}", "submissions"), n)
        made = await certificates(url.replace("{}", "certificates"), nominees)
        result[label] = {f"c{CONCURRENCY}": figures, "certificates": made}
        verdict = "met" if figures["ratio"] <= 2 else "MISSED"
        rows.append(
            [
                label,
                figures["p50_ms"],
                figures["p95_ms"],
                figures["baseline_p95_ms"],
                f"{figures['ratio']}x ({verdict})",
                figures["duplicates"],
                figures["lost"],
                figures["supporting_statements"],
                made["seconds_per_certificate"],
            ]
        )
    print_table(
        f"{n} nominations over signed Slack HTTP, {CONCURRENCY} at a time; certificates for "
        f"{nominees} nominees",
        [
            "database",
            "p50 ms",
            "p95 ms",
            "bare bolt p95 ms",
            "ratio (target <= 2x)",
            "duplicates",
            "lost",
            "supporting",
            "s per certificate",
        ],
        rows,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--certificates", type=int, default=500)
    parser.add_argument("--postgresql", help="a scratch PostgreSQL database (schema is reset)")
    args = parser.parse_args()
    print_json(asyncio.run(run(args.n, args.certificates, args.postgresql)))


if __name__ == "__main__":
    main()
