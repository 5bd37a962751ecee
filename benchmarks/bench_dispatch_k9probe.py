"""10,000 DMs through a local fake Slack-like Web API enforcing a rate limit (429 + Retry-After).

Measures the outbox dispatcher as a worker process runs it: achieved rate against
the allowed rate, lost and duplicated messages; then the same with the worker
killed (SIGKILL) half-way and restarted. The baseline is the allowed rate itself.

    .venv/bin/python benchmarks/bench_dispatch.py [--n 10000] [--rate 500]
        [--postgresql postgresql+asyncpg://...]   (also on PostgreSQL: its schema is reset)

The worker is this script run with --worker: the real scheduler and dispatcher with
a small HTTP sender (defined here) that tags each message with its outbox key, so
a restarted worker can ask the API whether an orphaned row already arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web
from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.delivery import PermanentFailure, RetryLater, Target
from bot.ui import Message, text_message
from store.db import make_engine, make_session_factory
from store.migrate import upgrade
from store.models import Base, Member, OutboxMessage, PlatformIdentity

LEASE = timedelta(seconds=3)  # short, so a killed worker's rows come back within the run
BATCH = 250
PACE = 0.98  # the sender paces itself a little under the limit it was told


# --- the fake Web API ------------------------------------------------------------------


@dataclass
class FakeSlack:
    """chat.postMessage limited to `rate`/s (burst `burst`); conversations.history unlimited."""

    rate: float
    burst: float
    tokens: float = 0.0
    refilled: float = field(default_factory=time.monotonic)
    received: Counter[str] = field(default_factory=Counter)
    history: dict[str, list[str]] = field(default_factory=dict)
    arrivals: list[float] = field(default_factory=list)
    limited: int = 0
    lookups: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def _take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.refilled) * self.rate)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    async def post_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not self._take():
            self.limited += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        key = body["metadata"]["event_payload"]["key"]
        self.received[key] += 1
        self.history.setdefault(body["channel"], []).append(key)
        self.arrivals.append(time.monotonic())
        return web.json_response({"ok": True, "channel": body["channel"], "ts": "1.0"})

    async def conversation_history(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.lookups.append(time.monotonic())
        messages = [
            {"metadata": {"event_type": "benchmate_outbox", "event_payload": {"key": key}}}
            for key in self.history.get(body["channel"], [])
        ]
        return web.json_response({"ok": True, "messages": messages})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/chat.postMessage", self.post_message)
        app.router.add_post("/api/conversations.history", self.conversation_history)
        return app


# --- the worker's sender ---------------------------------------------------------------


class HttpSender:
    """A plain Slack-like sender: DMs by user id, the outbox key in message metadata."""

    per_conversation_interval = 1.0
    burst = 10
    max_concurrency = 32

    def __init__(self, base_url: str, rate: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.global_rate = rate * PACE
        self._session: ClientSession | None = None

    @property
    def session(self) -> ClientSession:
        if self._session is None:
            self._session = ClientSession(
                connector=TCPConnector(limit=64), timeout=ClientTimeout(total=10)
            )
        return self._session

    async def _call(self, method: str, body: dict) -> dict:
        async with self.session.post(f"{self.base_url}/{method}", json=body) as response:
            if response.status == 429:
                wait = int(response.headers.get("Retry-After", "1"))
                raise RetryLater("rate limited", after=timedelta(seconds=wait))
            data = await response.json()
        if not data.get("ok"):
            raise PermanentFailure(data.get("error", "unknown error"))
        return data

    async def send(self, target: Target, message: Message) -> None:
        metadata = {"event_type": "benchmate_outbox", "event_payload": {"key": target.key}}
        await self._call(
            "chat.postMessage",
            {"channel": target.user_id, "text": message.text, "metadata": metadata},
        )

    async def delivered(self, target: Target, key: str) -> bool:
        data = await self._call("conversations.history", {"channel": target.user_id})
        return any(m["metadata"]["event_payload"]["key"] == key for m in data["messages"])


async def worker(database_url: str, api_url: str, rate: float) -> None:
    from bot import jobs
    from bot.dispatcher import Dispatcher
    from bot.runtime import Runtime
    from bot.settings import Settings

    runtime = Runtime.create(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
    runtime.senders["slack"] = HttpSender(api_url, rate)
    # Quiet hours off: this measures transport, whatever the hour the benchmark runs at.
    dispatcher = Dispatcher(
        runtime.sessions,
        runtime.senders,
        runtime.clock,
        lease=LEASE,
        batch=BATCH,
        quiet_hours=None,
    )
    jobs.use_dispatcher(runtime, dispatcher)
    jobs.start_scheduler(runtime, outbox_every=timedelta(seconds=1))
    print("ready", flush=True)
    await asyncio.Event().wait()


# --- the parent: data, runs, figures ------------------------------------------------------


async def prepare(database_url: str, n: int) -> None:
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    payload = text_message("It's about time to book your next meeting.").model_dump(mode="json")
    async with make_session_factory(engine)() as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):  # a fresh start for each run
            await session.execute(table.delete())
        for start in range(0, n, 5000):
            chunk = range(start, min(n, start + 5000))
            await session.execute(
                insert(Member),
                [
                    dict(
                        id=i + 1,
                        display_name=f"Member {i}",
                        specialisms=[],
                        proactive_paused=False,
                        email_verified=False,
                        job_title="",
                        created_at=now,
                        updated_at=now,
                    )
                    for i in chunk
                ],
            )
            await session.execute(
                insert(PlatformIdentity),
                [
                    dict(
                        member_id=i + 1,
                        platform="slack",
                        workspace="T1",
                        user_id=f"U{i}",
                        created_at=now,
                    )
                    for i in chunk
                ],
            )
            await session.execute(
                insert(OutboxMessage),
                [
                    dict(
                        key=f"nudge:{i}:1",
                        kind="bench.dm",
                        member_id=i + 1,
                        payload=payload,
                        status="queued",
                        due_at=now,
                        attempts=0,
                        created_at=now,
                    )
                    for i in chunk
                ],
            )
    await engine.dispose()


async def statuses(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    async with make_session_factory(engine)() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        found = dict(rows.all())
    await engine.dispose()
    return found  # type: ignore[return-value]


def start_worker(database_url: str, api_url: str, rate: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--worker", database_url, api_url, str(rate)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return process


async def wait_ready(process: subprocess.Popen[str]) -> None:
    line = await asyncio.to_thread(process.stdout.readline)  # type: ignore[union-attr]
    if line.strip() != "ready":
        raise RuntimeError("the worker did not start")


async def run_once(database_url: str, n: int, rate: float, kill: bool) -> dict:
    await prepare(database_url, n)
    fake = FakeSlack(rate=rate, burst=max(1.0, rate / 10))
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    api_url = f"http://127.0.0.1:{port}/api"
    process = start_worker(database_url, api_url, rate)
    downtime = 0.0
    try:
        await wait_ready(process)
        killed = False
        deadline = time.monotonic() + 10 * n / rate + 60
        while len(fake.received) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            if kill and not killed and len(fake.received) >= n // 2:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                killed, down_at = True, time.monotonic()
                process = start_worker(database_url, api_url, rate)
                await wait_ready(process)
                ready_at = time.monotonic()
                count = len(fake.arrivals)
                while len(fake.arrivals) == count:  # noqa: ASYNC110 (polling a counter)
                    await asyncio.sleep(0.005)
                downtime = fake.arrivals[count] - down_at
        await asyncio.sleep(LEASE.total_seconds() + 1)  # would any duplicate still arrive?
    finally:
        process.kill()
        process.wait()
        await runner.cleanup()
    if os.environ.get("K9_DUMP"):
        Path(os.environ["K9_DUMP"] + ("-kill" if kill else "-steady") + ".json").write_text(json.dumps({"arrivals": fake.arrivals, "lookups": fake.lookups, "down_at": down_at if kill else None, "ready_at": ready_at if kill else None}))
    span = fake.arrivals[-1] - fake.arrivals[0] if len(fake.arrivals) > 1 else float("nan")
    achieved = (len(fake.arrivals) - 1) / span
    busy = span - downtime
    return {
        "n": n,
        "seconds": round(span, 2),
        "rate": round(achieved, 1),
        "rate_ratio": round(achieved / rate, 3),
        "rate_ratio_excluding_restart": round((len(fake.arrivals) - 1) / busy / rate, 3),
        "restart_seconds": round(downtime, 2),
        "duplicates": sum(count - 1 for count in fake.received.values()),
        "lost": n - len(fake.received),
        "marked_sent": (await statuses(database_url)).get("sent", 0),
        "rate_limited_429": fake.limited,
    }


async def bench(args: argparse.Namespace) -> dict:
    results: dict[str, dict] = {}
    databases = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite+aiosqlite:///{folder}/bench.db"
        databases.append(("sqlite", sqlite_url))
        if args.postgresql:
            databases.append(("postgresql", args.postgresql))
        for name, url in databases:
            if name == "postgresql":
                engine = make_engine(url)
                async with engine.begin() as connection:
                    await connection.execute(text("DROP SCHEMA public CASCADE"))
                    await connection.execute(text("CREATE SCHEMA public"))
                await engine.dispose()
            await asyncio.to_thread(upgrade, url)
            results[name] = {
                "steady": await run_once(url, args.n, args.rate, kill=False),
                "killed": await run_once(url, args.n, args.rate, kill=True),
            }
    return results


def report(results: dict, args: argparse.Namespace) -> None:
    print(
        f"\nOutbox dispatch: {args.n} DMs, fake Slack API allowing {args.rate:.0f}/s "
        f"(burst {args.rate / 10:.0f}), 429 + Retry-After: 1 beyond it\n"
    )
    header = (
        f"{'database':<11} {'run':<8} {'allowed/s':>9} {'achieved/s':>10} {'ratio':>6} "
        f"{'excl.restart':>12} {'restart s':>9} {'429s':>5} {'dup':>4} {'lost':>5} {'rows sent':>9}"
    )
    print(header)
    print("-" * len(header))
    for database, runs in results.items():
        for run, r in runs.items():
            print(
                f"{database:<11} {run:<8} {args.rate:>9.0f} {r['rate']:>10.1f} "
                f"{r['rate_ratio']:>6.3f} {r['rate_ratio_excluding_restart']:>12.3f} "
                f"{r['restart_seconds']:>9.2f} {r['rate_limited_429']:>5} "
                f"{r['duplicates']:>4} {r['lost']:>5} {r['marked_sent']:>9}"
            )
    print("\nbaseline: the allowed rate; target rate_ratio >= 0.9, 0 duplicates, 0 lost.")
    summary: dict = {"bench": "dispatch", "n": args.n, "allowed_rate": args.rate}
    for database, runs in results.items():
        summary[database] = {
            "seconds": runs["steady"]["seconds"],
            "rate_ratio": runs["steady"]["rate_ratio"],
            "duplicates": runs["steady"]["duplicates"] + runs["killed"]["duplicates"],
            "lost": runs["steady"]["lost"] + runs["killed"]["lost"],
            "killed": {
                k: runs["killed"][k]
                for k in (
                    "seconds",
                    "rate_ratio",
                    "rate_ratio_excluding_restart",
                    "restart_seconds",
                    "duplicates",
                    "lost",
                )
            },
        }
    if len(results) == 1:
        summary.update(summary.pop("sqlite"))
        summary["database"] = "sqlite"
    print(json.dumps(summary))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        asyncio.run(worker(sys.argv[2], sys.argv[3], float(sys.argv[4])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--postgresql", help="also run on this PostgreSQL URL (schema reset!)")
    args = parser.parse_args()
    report(asyncio.run(bench(args)), args)


if __name__ == "__main__":
    main()
