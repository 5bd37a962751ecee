"""10,000 DMs through a local fake Slack-like Web API enforcing a rate limit (429 + Retry-After).

Measures the outbox dispatcher as worker processes run it: achieved rate against
the allowed rate (the baseline), lost and duplicated messages, in three runs:

- steady: one worker delivers everything.
- killed: the worker is killed (SIGKILL) half-way and started again at once, as
  a process supervisor would (systemd `Restart=always`, the platform's process
  manager). Nothing is sent while the new process starts: its Python imports and
  the app's routes, seconds on a busy machine.
- standby: two workers run, as in production with the Procfile's `worker` scaled
  to 2. Only the holder of the dispatch lock delivers (bot/dispatch_lock.py); the
  one delivering is killed half-way and restarted by the supervisor, and the
  standby, already started, takes over within the lock's poll. This is the
  deployment that keeps the rate through a crash.

Rows the killed worker had leased return when their lease runs out (LEASE, short
here so that happens within the run); the API is asked whether each arrived
before it is sent again (conversations.history, unlimited in this fake).

    .venv/bin/python benchmarks/bench_dispatch.py [--n 10000] [--rate 500]
        [--runs steady,killed,standby]
        [--postgresql postgresql+asyncpg://...]   (also on PostgreSQL: its schema is reset)

The worker is this script run with --worker: the real scheduler and dispatcher with
a small HTTP sender (defined here) that tags each message with its outbox key, so
a restarted worker can ask the API whether an orphaned row already arrived, and
each request with its process id, so the fake API knows who delivers.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import Popen

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import fresh_schema
from bot.delivery import PermanentFailure, RetryLater, Sender, Target
from bot.ui import Message, text_message
from store.db import make_engine, make_session_factory
from store.models import Base, Member, OutboxMessage, PlatformIdentity

LEASE = timedelta(seconds=3)  # short, so a killed worker's rows come back within the run
BATCH = 100  # the dispatcher's default; a killed worker leaves at most two batches orphaned
PACE = 0.98  # the sender paces itself a little under the limit it was told
RUNS = ("steady", "killed", "standby")
WORKER_HEADER = "X-Bench-Worker"


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
    senders: list[int] = field(default_factory=list)  # which worker process, per arrival
    limited: int = 0
    lookups: int = 0

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
        self.senders.append(int(request.headers.get(WORKER_HEADER, "0")))
        return web.json_response({"ok": True, "channel": body["channel"], "ts": "1.0"})

    async def conversation_history(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.lookups += 1
        messages = [
            {"metadata": {"event_type": "benchmate_outbox", "event_payload": {"key": key}}}
            for key in self.history.get(body["channel"], [])
        ]
        return web.json_response({"ok": True, "messages": messages})

    def first_from(self, pid: int, start: int) -> float | None:
        """When worker `pid`'s first message from arrival number `start` on arrived."""
        found = (p == pid for p in self.senders[start:])
        at = next((start + n for n, mine in enumerate(found) if mine), None)
        return None if at is None else self.arrivals[at]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/chat.postMessage", self.post_message)
        app.router.add_post("/api/conversations.history", self.conversation_history)
        return app


# --- the worker's sender ---------------------------------------------------------------


class HttpSender(Sender):
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
                connector=TCPConnector(limit=64),
                timeout=ClientTimeout(total=10),
                headers={WORKER_HEADER: str(os.getpid())},
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
    from bot.root import create_runtime
    from bot.settings import Settings

    runtime = create_runtime(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
    runtime.senders["slack"] = HttpSender(api_url, rate)
    # Quiet hours off: this measures transport, whatever the hour the benchmark runs at.
    dispatcher = Dispatcher(
        runtime.sessions,
        runtime.senders,
        runtime.clock,
        lease=LEASE,
        batch=BATCH,
        quiet_hours=None,
        checks=runtime.router.send_checks,
    )
    runtime.dispatcher = dispatcher
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


def start_worker(database_url: str, api_url: str, rate: float) -> Popen[str]:
    return Popen(
        [sys.executable, __file__, "--worker", database_url, api_url, str(rate)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


async def wait_ready(process: Popen[str]) -> None:
    line = await asyncio.to_thread(process.stdout.readline)  # type: ignore[union-attr]
    if line.strip() != "ready":
        raise RuntimeError("the worker did not start")


@dataclass
class Crash:
    gap: float  # kill -> the next message delivered by another process
    start: float  # kill -> the replacement process is ready


async def kill_and_restart(
    fake: FakeSlack,
    workers: list[Popen[str]],
    start: Callable[[], Popen[str]],
) -> Crash:
    """SIGKILL the worker delivering now; start another at once, as a supervisor would."""
    victim = next(w for w in workers if w.pid == fake.senders[-1])
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    down_at, count = time.monotonic(), len(fake.arrivals)
    workers.remove(victim)
    standby = workers[0] if workers else None
    workers.append(start())
    await wait_ready(workers[-1])
    ready_at = time.monotonic()
    resumer = (standby or workers[-1]).pid
    give_up = time.monotonic() + 60
    while (first := fake.first_from(resumer, count)) is None:
        if time.monotonic() > give_up:
            raise RuntimeError("nobody took over after the crash")
        await asyncio.sleep(0.005)
    return Crash(first - down_at, ready_at - down_at)


async def run_once(database_url: str, n: int, rate: float, run: str) -> dict:
    await prepare(database_url, n)
    fake = FakeSlack(rate=rate, burst=max(1.0, rate / 10))
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    api_url = f"http://127.0.0.1:{port}/api"

    def start() -> Popen[str]:
        return start_worker(database_url, api_url, rate)

    workers = [start() for _ in range(2 if run == "standby" else 1)]
    crash = Crash(0.0, 0.0)
    try:
        for process in workers:
            await wait_ready(process)
        crashed = run == "steady"
        deadline = time.monotonic() + 10 * n / rate + 60
        while len(fake.received) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            if not crashed and len(fake.received) >= n // 2:
                crashed = True
                crash = await kill_and_restart(fake, workers, start)
        await asyncio.sleep(LEASE.total_seconds() + 1)  # would any duplicate still arrive?
    finally:
        for process in workers:
            process.kill()
            process.wait()
        await runner.cleanup()
    span = fake.arrivals[-1] - fake.arrivals[0] if len(fake.arrivals) > 1 else float("nan")
    achieved = (len(fake.arrivals) - 1) / span
    return {
        "n": n,
        "seconds": round(span, 2),
        "rate": round(achieved, 1),
        "rate_ratio": round(achieved / rate, 3),
        "rate_ratio_excluding_gap": round((len(fake.arrivals) - 1) / (span - crash.gap) / rate, 3),
        "gap_seconds": round(crash.gap, 2),
        "restart_seconds": round(crash.start, 2),
        "delivering_workers": len(set(fake.senders)),
        "checks": fake.lookups,
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
            await fresh_schema(url)  # imports Alembic here, never in the worker
            results[name] = {run: await run_once(url, args.n, args.rate, run) for run in args.runs}
    return results


def report(results: dict, args: argparse.Namespace) -> None:
    print(
        f"\nOutbox dispatch: {args.n} DMs, fake Slack API allowing {args.rate:.0f}/s "
        f"(burst {args.rate / 10:.0f}), 429 + Retry-After: 1 beyond it\n"
    )
    header = (
        f"{'database':<11} {'run':<8} {'allowed/s':>9} {'achieved/s':>10} {'ratio':>6} "
        f"{'excl.gap':>8} {'gap s':>6} {'restart s':>9} {'senders':>7} {'checks':>6} "
        f"{'429s':>5} {'dup':>4} {'lost':>5} {'rows sent':>9}"
    )
    print(header)
    print("-" * len(header))
    for database, runs in results.items():
        for run, r in runs.items():
            print(
                f"{database:<11} {run:<8} {args.rate:>9.0f} {r['rate']:>10.1f} "
                f"{r['rate_ratio']:>6.3f} {r['rate_ratio_excluding_gap']:>8.3f} "
                f"{r['gap_seconds']:>6.2f} {r['restart_seconds']:>9.2f} "
                f"{r['delivering_workers']:>7} {r['checks']:>6} {r['rate_limited_429']:>5} "
                f"{r['duplicates']:>4} {r['lost']:>5} {r['marked_sent']:>9}"
            )
    print(
        "\nbaseline: the allowed rate; target rate_ratio >= 0.9, 0 duplicates, 0 lost."
        "\ngap: from the kill to the next message another process delivers; restart: from the"
        "\nkill to the replacement process being ready; senders: processes that delivered;"
        "\nchecks: 'did this orphan arrive?' calls to the API."
    )
    summary: dict = {"bench": "dispatch", "n": args.n, "allowed_rate": args.rate}
    for database, runs in results.items():
        figures: dict = {
            "duplicates": sum(r["duplicates"] for r in runs.values()),
            "lost": sum(r["lost"] for r in runs.values()),
        }
        for run, r in runs.items():
            keys = ("seconds", "rate_ratio", "gap_seconds", "restart_seconds", "duplicates", "lost")
            if run == "steady":
                figures.update(seconds=r["seconds"], rate_ratio=r["rate_ratio"])
            else:
                figures[run] = {k: r[k] for k in keys}
        summary[database] = figures
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
    parser.add_argument("--runs", default=",".join(RUNS), help="which runs, comma-separated")
    args = parser.parse_args()
    args.runs = [run for run in args.runs.split(",") if run in RUNS]
    report(asyncio.run(bench(args)), args)


if __name__ == "__main__":
    main()
