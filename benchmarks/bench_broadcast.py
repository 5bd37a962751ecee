"""An event announced to 10,000 members: half on a fake Slack Web API, half on a fake Teams
Connector, both rate limiting with 429 + Retry-After.

A champion fills `event new` and presses Send through the real core turn; the
timed part is that turn (resolving the audience and queueing every message,
one commit). Then the outbox dispatcher delivers through the real Slack sender
(adapters/slack/sender.py, slack_sdk) and the real Teams sender (adapters/teams/sender.py,
botbuilder's ConnectorClient), each told its platform's allowed rate, to local fakes
that answer 429 + Retry-After beyond it. Some members have identities on both
platforms: each must get exactly one message.

Baselines: the allowed rates (rate_ratio = achieved ÷ allowed) and 2 s for
resolve + enqueue.

    .venv/bin/python benchmarks/bench_broadcast.py [--members 10000] [--rate 100]
        [--teams-rate R]   (Teams' allowed rate when it differs from Slack's)
        [--teams-sender botbuilder|http]
        [--postgresql postgresql+asyncpg://...]   (also on PostgreSQL: its schema is reset!)

The fakes run in a process of their own, so their clocks are not held up by the
dispatcher's. Each allows one second's worth of messages at once, then its rate a second;
both start with their allowance spent, so the first messages may meet 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web
from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.slack.sender import SlackSender, single_token
from adapters.teams import install as install_teams
from adapters.teams.outgoing import message_activities
from benchmarks._common import fresh_schema, print_table
from benchmarks.bench_dispatch import FakeSlack
from bot.delivery import PermanentFailure, RetryLater, Sender, Target
from bot.dispatcher import Dispatcher
from bot.harness import Harness
from bot.root import create_runtime
from bot.runtime import Runtime
from bot.settings import Settings
from bot.ui import Message
from store.members import grant_role, member_by_handle
from store.models import Member, OutboxMessage, PlatformIdentity
from tests.teams_fakes import FakeConnector

PACE = 0.98  # each sender is told a little under the limit its platform allows
BATCH = 500
BURST_SECONDS = 1.0  # each fake lets one second's messages come at once (a per-second limit)
TENANT = "bench-tenant"
ENQUEUE_TARGET_S = 2.0
TEAMS_SENDERS = {
    "botbuilder": "through the real TeamsSender (botbuilder)",
    "http": "activities posted straight to the Connector API (bypassing botbuilder)",
}
FIELDS = {
    "title": "Flow cytometry facilities meeting",
    "description": "Talks, a tour of the cytometry suite and time to compare notes.",
    "day": "",  # filled in: a week from now
    "starts": "10:00",
    "ends": "16:00",
    "location": "Life Sciences, Lecture Theatre 2",
    "audience": "network",
}


# --- the fake Teams Connector, rate limited ------------------------------------------------


@dataclass
class Bucket:
    """A token bucket: `rate` per second, up to `burst` at once."""

    rate: float
    burst: float
    tokens: float = 0.0
    refilled: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.refilled) * self.rate)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class LimitedConnector(FakeConnector):
    """tests.teams_fakes.FakeConnector, answering 429 + Retry-After beyond `rate` posts/s."""

    rate: float = 250.0
    bucket: Bucket | None = None
    received: Counter[str] = field(default_factory=Counter)
    arrivals: list[float] = field(default_factory=list)
    limited: int = 0

    def __post_init__(self) -> None:
        self.bucket = Bucket(self.rate, max(1.0, self.rate * BURST_SECONDS))

    async def _answer(self, request: web.Request) -> web.Response:
        if request.method == "POST" and request.path.endswith("/activities"):
            assert self.bucket is not None
            if not self.bucket.take():
                self.limited += 1
                return web.json_response(
                    {"error": {"code": "Throttled"}}, status=429, headers={"Retry-After": "1"}
                )
            self.received[request.path.split("/")[3]] += 1
            self.arrivals.append(time.monotonic())
        self.calls.clear()  # keep memory flat: the counts above are what we measure
        return await super()._answer(request)


# --- senders told their platform's limit ------------------------------------------------------


class Paced(Sender):
    """A real platform sender plus the rate its deployment is allowed (pacing attributes)."""

    def __init__(self, inner: Sender, rate: float) -> None:
        self.inner = inner
        self.global_rate = rate * PACE
        self.burst = 10
        self.max_concurrency = 32
        self.per_conversation_interval = inner.per_conversation_interval

    async def send(self, target: Target, message: Message) -> None:
        await self.inner.send(target, message)

    async def delivered(self, target: Target, key: str) -> bool:
        return await self.inner.delivered(target, key)

    async def close(self) -> None:
        await self.inner.close()


class ConnectorSender(Sender):
    """Teams without botbuilder (`--teams-sender http`): the Teams adapter's own activities
    (adapters/teams/outgoing.py), serialised once per distinct message, posted with aiohttp
    straight to the Connector REST API of each member's stored conversation. A floor to
    compare the real TeamsSender with (benchmarks/bench_sender_cpu.py measures both).
    """

    def __init__(self) -> None:
        self._session: ClientSession | None = None
        self._serialised: dict[str, list[dict[str, Any]]] = {}

    def _bodies(self, message: Message) -> list[dict[str, Any]]:
        """msrest serialises slowly; one broadcast is a handful of distinct messages."""
        key = message.model_dump_json()
        if key not in self._serialised:
            self._serialised[key] = [a.serialize() for a in message_activities(message)]
        return self._serialised[key]

    async def send(self, target: Target, message: Message) -> None:
        reference = (target.conversation or {})["reference"]
        base = reference["serviceUrl"].rstrip("/")
        url = f"{base}/v3/conversations/{reference['conversation']['id']}/activities"
        if self._session is None:
            self._session = ClientSession(timeout=ClientTimeout(total=10))
        for body in self._bodies(message):
            async with self._session.post(url, json=body) as response:
                if response.status == 429:
                    after = float(response.headers.get("Retry-After", "1"))
                    raise RetryLater("Teams answered 429", after=timedelta(seconds=after))
                if response.status >= 400:
                    raise PermanentFailure(f"Teams refused with {response.status}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class Quiet(Sender):
    """The champion's own copy (console): delivered nowhere."""

    ignores_quiet_hours = True

    async def send(self, target: Target, message: Message) -> None:
        return None


# --- the network -------------------------------------------------------------------------------


async def prepare(runtime: Runtime, members: int, both: int, teams_url: str) -> None:
    """`members` members, alternately on Slack and Teams; `both` of them on both."""
    now = datetime.now(UTC)
    rows, identities = [], []
    for i in range(1, members + 1):
        rows.append(
            dict(
                id=i,
                display_name=f"Member {i}",
                specialisms=[],
                proactive_paused=False,
                email_verified=False,
                job_title="",
                created_at=now,
                updated_at=now,
            )
        )
        platforms = ["slack", "teams"] if i <= both else ["slack" if i % 2 else "teams"]
        for platform in platforms:
            found = identity(i, platform, teams_url, now)
            # Someone on both is reached where last seen: half of them on each platform.
            found["last_seen_at"] = now if platform == ("slack" if i % 2 else "teams") else None
            identities.append(found)
    async with runtime.sessions() as session, session.begin():
        for start in range(0, members, 5000):
            await session.execute(insert(Member), rows[start : start + 5000])
        for start in range(0, len(identities), 5000):
            await session.execute(insert(PlatformIdentity), identities[start : start + 5000])
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SELECT setval('members_id_seq', :n)"), {"n": members})
    harness = Harness(runtime)
    await harness.say("dan", "help")
    async with runtime.sessions() as session, session.begin():
        dan = await member_by_handle(session, "dan")
        assert dan is not None
        await grant_role(session, dan.id, "champion", now)


def identity(member_id: int, platform: str, teams_url: str, now: datetime) -> dict[str, Any]:
    if platform == "slack":
        return dict(
            member_id=member_id,
            platform="slack",
            workspace="T1",
            user_id=f"U{member_id}",
            conversation={"dm": f"D{member_id}"},
            created_at=now,
        )
    reference = {
        "bot": {"id": "28:benchmate-bot", "name": "Benchmate"},
        "user": {"id": f"29:user-{member_id}"},
        "conversation": {"id": f"a:personal-{member_id}", "tenantId": TENANT},
        "channelId": "msteams",
        "serviceUrl": teams_url,
    }
    return dict(
        member_id=member_id,
        platform="teams",
        workspace=TENANT,
        user_id=f"aad-{member_id}",
        conversation={"scope": "personal", "reference": reference},
        created_at=now,
    )


# --- one run ------------------------------------------------------------------------------------


async def run_once(
    url: str, members: int, both: int, rates: dict[str, float], teams_sender: str
) -> dict[str, Any]:
    fakes, (slack_url, teams_url, stats_url) = start_fakes(rates["slack"], rates["teams"])
    runtime = create_runtime(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    try:
        await prepare(runtime, members, both, teams_url)
        figures = await announce(runtime)
        teams = teams_sender_for(runtime, teams_sender)
        slack = SlackSender(slack_url, single_token("xoxb-bench"))
        runtime.senders["teams"] = Paced(teams, rates["teams"])
        runtime.senders["slack"] = Paced(slack, rates["slack"])
        runtime.senders["console"] = Quiet()
        async with ClientSession() as client, client.post(stats_url.replace("stats", "drain")):
            pass
        figures.update(await deliver(runtime, members + 1))
        async with ClientSession() as client, client.get(stats_url) as response:
            stats = await response.json()
    finally:
        await runtime.close()  # closes the senders' HTTP sessions too
        fakes.terminate()
        fakes.join()
    figures.update(measure(stats, members, rates))
    return figures


def teams_sender_for(runtime: Runtime, kind: str) -> Any:
    if kind == "http":
        return ConnectorSender()
    install_teams(runtime)  # what `benchmate worker` does: botbuilder, auth off (no app id)
    return runtime.senders["teams"]


# --- the fakes, in a process of their own (so they never wait for the dispatcher) ----------


def start_fakes(
    slack_rate: float, teams_rate: float
) -> tuple[multiprocessing.Process, tuple[str, str, str]]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(
        target=serve_fakes, args=(slack_rate, teams_rate, child), daemon=True
    )
    process.start()
    return process, parent.recv()


def serve_fakes(slack_rate: float, teams_rate: float, pipe: Connection) -> None:
    asyncio.run(_serve_fakes(slack_rate, teams_rate, pipe))


async def _serve_fakes(slack_rate: float, teams_rate: float, pipe: Connection) -> None:
    slack = FakeSlack(rate=slack_rate, burst=max(1.0, slack_rate * BURST_SECONDS))
    teams = LimitedConnector(rate=teams_rate)
    await teams.start()

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "slack": [dict(slack.received), slack.arrivals, slack.limited],
                "teams": [dict(teams.received), teams.arrivals, teams.limited],
            }
        )

    async def drain(request: web.Request) -> web.Response:
        """Both allowances spent, as if something else had just used them: the first
        messages meet 429 + Retry-After and must wait, then resume, neither lost nor doubled."""
        assert teams.bucket is not None
        slack.tokens, slack.refilled = 0.0, time.monotonic()
        teams.bucket.tokens, teams.bucket.refilled = 0.0, time.monotonic()
        return web.json_response({"ok": True})

    app = slack.app()
    app.router.add_get("/stats", stats)
    app.router.add_post("/drain", drain)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    pipe.send((f"{base}/api/", teams.url, f"{base}/stats"))
    await asyncio.Event().wait()


async def announce(runtime: Runtime) -> dict[str, Any]:
    """The champion's two turns: the preview (counts the reach) and Send (queues it all)."""
    harness = Harness(runtime)
    day = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    started = time.perf_counter()
    preview = await harness.submit("dan", "event.new", {**FIELDS, "day": day})
    preview_s = time.perf_counter() - started
    send = preview.button("Send")
    started = time.perf_counter()
    sent = await harness.press("dan", send)
    send_s = time.perf_counter() - started
    assert "Sent!" in sent.text, sent.text
    again = await harness.press("dan", send)  # pressed twice: still one broadcast
    assert "already been sent" in again.text, again.text
    async with runtime.sessions() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
    return {
        "preview_seconds": round(preview_s, 3),
        "enqueue_seconds": round(send_s, 3),
        "queued": queued,
    }


async def deliver(runtime: Runtime, expected: int) -> dict[str, Any]:
    dispatcher = Dispatcher(
        runtime.sessions,
        runtime.senders,
        runtime.clock,
        batch=BATCH,
        quiet_hours=None,
        checks=runtime.router.send_checks,
    )
    started, cpu = time.perf_counter(), time.process_time()
    deadline = started + 600
    sent = 0
    while time.perf_counter() < deadline:
        await dispatcher.run()
        async with runtime.sessions() as session:
            counts = dict(
                (
                    await session.execute(
                        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                    )
                ).all()
            )
        sent = counts.get("sent", 0)
        if sent + counts.get("dead", 0) >= expected:
            break
        await asyncio.sleep(0.05)  # rows waiting out a Retry-After
    return {
        "deliver_seconds": round(time.perf_counter() - started, 2),
        # This process's CPU (dispatcher, database, both senders) per message delivered.
        "deliver_cpu_ms": round((time.process_time() - cpu) / max(sent, 1) * 1000, 2),
        "marked_sent": sent,
    }


def measure(stats: dict[str, Any], members: int, rates: dict[str, float]) -> dict[str, Any]:
    """Who got how many (by member, across both platforms) and the rate each fake saw."""
    slack_received, _, slack_limited = stats["slack"]
    teams_received, _, teams_limited = stats["teams"]
    everyone: Counter[int] = Counter()
    for key, count in slack_received.items():  # broadcast:<event>:<member>
        everyone[int(key.split(":")[2])] += count
    for conversation, count in teams_received.items():  # a:personal-<member>
        everyone[int(conversation.split("-")[-1])] += count
    figures: dict[str, Any] = {
        "duplicates": sum(n - 1 for n in everyone.values()),
        "lost": members - len(everyone),
        "rate_limited_429": slack_limited + teams_limited,
    }
    ratios = []
    for name in ("slack", "teams"):
        arrivals = stats[name][1]
        span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else float("nan")
        achieved = (len(arrivals) - 1) / span
        figures[f"{name}_messages"] = len(arrivals)
        figures[f"{name}_rate"] = round(achieved, 1)
        figures[f"{name}_rate_ratio"] = round(achieved / rates[name], 3)
        ratios.append(achieved / rates[name])
    figures["rate_ratio"] = round(min(ratios), 3)
    return figures


# --- both databases, the table, the JSON line ----------------------------------------------


async def bench(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        databases = [("sqlite", f"sqlite+aiosqlite:///{folder}/bench.db")]
        if args.postgresql:
            databases.append(("postgresql", args.postgresql))
        for name, url in databases:
            await fresh_schema(url)
            results[name] = await run_once(
                url, args.members, args.both, rates_of(args), args.teams_sender
            )
    return results


def rates_of(args: argparse.Namespace) -> dict[str, float]:
    return {"slack": args.rate, "teams": args.teams_rate or args.rate}


def report(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    rates = rates_of(args)
    allowed = " and ".join(f"{rates[p]:.0f}/s" for p in ("slack", "teams"))
    if rates["slack"] == rates["teams"]:
        allowed = f"{args.rate:.0f}/s each"
    rows = [
        [
            database,
            r["queued"],
            f"{r['preview_seconds']:.2f}",
            f"{r['enqueue_seconds']:.2f} (≤ {ENQUEUE_TARGET_S:.0f})",
            f"{r['slack_rate']:.0f} / {rates['slack']:.0f}",
            f"{r['teams_rate']:.0f} / {rates['teams']:.0f}",
            f"{r['rate_ratio']:.3f} (≥ 0.9)",
            r["rate_limited_429"],
            r["duplicates"],
            r["lost"],
            r["deliver_seconds"],
            f"{r['deliver_cpu_ms']:.2f}",
        ]
        for database, r in results.items()
    ]
    teams = TEAMS_SENDERS[args.teams_sender]
    print_table(
        f"Event broadcast: {args.members} members ({args.both} on both platforms), fake Slack and "
        f"Teams allowing {allowed} (429 + Retry-After: 1 beyond it); Teams {teams}",
        [
            "database",
            "rows",
            "preview s",
            "send s (target)",
            "slack /s (allowed)",
            "teams /s (allowed)",
            "rate ratio (target)",
            "429s",
            "dup",
            "lost",
            "deliver s",
            "CPU ms/msg",
        ],
        rows,
    )
    print("\nbaseline: the allowed rates and 2 s to resolve + enqueue; targets as shown.")
    print("CPU ms/msg: this process's CPU while delivering (dispatcher, database, senders).")
    summary: dict[str, Any] = {
        "bench": "broadcast",
        "members": args.members,
        "allowed_rate": args.rate,
        **({"teams_allowed_rate": rates["teams"]} if rates["teams"] != rates["slack"] else {}),
    }
    for database, r in results.items():
        summary[database] = {
            "seconds": r["enqueue_seconds"],
            "preview_seconds": r["preview_seconds"],
            "rate_ratio": r["rate_ratio"],
            "slack_rate_ratio": r["slack_rate_ratio"],
            "teams_rate_ratio": r["teams_rate_ratio"],
            "duplicates": r["duplicates"],
            "lost": r["lost"],
            "deliver_seconds": r["deliver_seconds"],
            "deliver_cpu_ms": r["deliver_cpu_ms"],
        }
    if len(results) == 1:
        summary.update(summary.pop("sqlite"))
        summary["database"] = "sqlite"
    print(json.dumps(summary))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--both", type=int, default=500, help="members on Slack and Teams")
    parser.add_argument("--rate", type=float, default=100.0, help="allowed posts/s per platform")
    parser.add_argument("--teams-rate", type=float, help="Teams' allowed posts/s (default: --rate)")
    parser.add_argument(
        "--teams-sender",
        choices=list(TEAMS_SENDERS),
        default="botbuilder",
        help="botbuilder: the real TeamsSender; http: activities straight to the Connector",
    )
    parser.add_argument("--postgresql", help="also run on this PostgreSQL URL (schema reset!)")
    args = parser.parse_args()
    report(asyncio.run(bench(args)), args)


if __name__ == "__main__":
    main()
