"""Crowds, not one at a time: Slack and Teams requests at 1, 8 and 32 concurrent, and the
RSVP rush, against bare Bolt and a bare CloudAdapter at the same concurrency, same run.

`benchmate serve --no-worker --processes N` (default N: one per CPU, as the README
advises) runs on a scratch database (SQLite file, or its own PostgreSQL database with
--postgres URL), as a new user would run it;
a bare slack-bolt AsyncApp whose listeners only ack (Bolt's defaults) and a bare
CloudAdapter echo bot run together in a second process. This process is the crowd
(signed Slack HTTP, Bot Framework activities with auth off) and the fake Slack Web
API, response_urls and Bot Connector they all call. Everything listens on 127.0.0.1.

Per database:
1. `help`, `mentor find` and an RSVP press (a button that writes) at 1, 8 and 32
   concurrent, alternating ours and bare in rounds; then the same again while a
   separate `benchmate worker` process delivers two event broadcasts; Teams `help`
   at 16 concurrent against the bare CloudAdapter.
2. The RSVP rush: RUSH members (nine in ten never seen before, a tenth of them on
   Teams) press Going on one event with PLACES places, 32 at a time. Checked:
   exactly PLACES going, everyone else waitlisted in press order (a press that was
   answered before another was sent is ahead of it), each presser answered once and
   truthfully, the champion's `event status` right, no broadcast notice sent twice.

Targets: p95 <= 2x bare at every concurrency on both databases; zero errors; the rush
exact. The machine is shared: compare ratios within one run; load average is printed.

    .venv/bin/python benchmarks/bench_crowd.py [--n 120] [--rush 2000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too

from benchmarks._common import percentile, print_json, print_table

SECRET = "bench-crowd-secret"
TOKEN = "xoxb-bench"
TEAM = "T1"
TENANT = "bench-tenant"  # as bench_broadcast's
LEVELS = (1, 8, 32)
KINDS = ("help", "find", "rsvp")
TEAMS_LEVEL = 16
RUSH_LEVEL = 32
LATE_WAIT_SECONDS = 10.0
TARGET_RATIO = 2.0
BENCH_DB = "bm_bench_crowd"
APOLOGIES = ("something went wrong", "can't reach my records", "took me too long")
# Zones tried for the members, so that "now" is office hours for them and the worker
# may deliver (proactive messages wait for 09:00-17:00 on weekdays).
ZONES = (
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
)


def office_zone(now: datetime) -> str | None:
    for name in ZONES:
        local = now.astimezone(ZoneInfo(name))
        if local.weekday() < 5 and 10 <= local.hour < 15:
            return name
    return None


# --- the fakes: Slack Web API, response_urls, Bot Connector --------------------------------


TITLES = ("Open lab morning", "Orbitrap masterclass")
DESCRIPTION = "Hands-on, with time for questions."


@dataclass
class Fakes:
    zone: str
    api_calls: Counter[str] = field(default_factory=Counter)
    # Announcements delivered (chat.postMessage, Connector activities): (conversation, title)
    notices: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Everything else sent to a Teams conversation
    teams_messages: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    answers: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    answered_at: dict[str, float] = field(default_factory=dict)  # last answer's arrival

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._slack)
        app.router.add_post("/respond/{hook}", self._respond)
        app.router.add_route("*", "/v3/{tail:.*}", self._connector)
        return app

    async def _slack(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.api_calls[method] += 1
        form: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            form.update(await request.json())
        elif request.can_read_body:
            form.update(await request.post())
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "team_id": TEAM})
        if method == "users.info":
            user = str(form.get("user") or "U0")
            profile = {"display_name": f"Technician {user}", "real_name": f"Technician {user}"}
            found = {"id": user, "name": user.lower(), "tz": self.zone, "profile": profile}
            return web.json_response({"ok": True, "user": found})
        if method == "conversations.open":
            return web.json_response({"ok": True, "channel": {"id": f"D{form.get('users')}"}})
        if method == "chat.postMessage":
            channel = str(form.get("channel"))
            self._notice(channel, json.dumps(form))
            return web.json_response({"ok": True, "channel": channel, "ts": f"{time.time():.6f}"})
        if method == "conversations.history":
            return web.json_response({"ok": True, "messages": []})
        return web.json_response({"ok": True})

    async def _respond(self, request: web.Request) -> web.Response:
        hook = request.match_info["hook"]
        self.answers[hook].append(await request.text())
        self.answered_at[hook] = time.perf_counter()
        return web.Response(text="ok")

    async def _connector(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        body = await request.json() if request.can_read_body else {}
        if request.method == "GET" and "/members/" in tail:
            member = tail.rsplit("/", 1)[-1]
            return web.json_response({"id": member, "name": "Teams technician"})
        if tail == "conversations":
            return web.json_response({"id": f"a:opened-{len(self.notices)}"})
        if tail.endswith("/activities") or "/activities/" in tail:
            conversation = tail.split("/")[1]
            if not self._notice(conversation, json.dumps(body)):
                self.teams_messages[conversation].append(json.dumps(body))
        return web.json_response({"id": "activity-1"})

    def _notice(self, conversation: str, body: str) -> bool:
        if DESCRIPTION not in body:  # an answer, not an announcement
            return False
        titles = [title for title in TITLES if title in body]
        for title in titles:
            self.notices[conversation, title] += 1
        return bool(titles)


# --- requests as Slack and Teams send them -------------------------------------------------


def signed(body: str, content_type: str) -> tuple[bytes, dict[str, str]]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    return body.encode(), headers


def slash(command: str, text: str, user: str, hook: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "team_id": TEAM,
            "channel_id": f"D{user}",
            "user_id": user,
            "command": command,
            "text": text,
            "response_url": hook,
            "trigger_id": "t",
        }
    )
    return signed(body, "application/x-www-form-urlencoded")


def button(action_id: str, value: str, user: str, hook: str) -> tuple[bytes, dict[str, str]]:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM},
        "team": {"id": TEAM, "domain": "uni"},
        "api_app_id": "A0001",
        "trigger_id": "t",
        "container": {"type": "message", "channel_id": f"D{user}", "is_ephemeral": False},
        "channel": {"id": f"D{user}"},
        "response_url": hook,
        "actions": [
            {"type": "button", "action_id": action_id, "value": value, "block_id": "b"}
            | {"action_ts": "1"}
        ],
    }
    return signed(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


_activity_ids = itertools.count(1)


def teams_activity(user: str, service_url: str, **what: Any) -> dict[str, Any]:
    return {
        "id": f"act-{next(_activity_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:{user}", "aadObjectId": user, "name": f"Teams {user}"},
        "recipient": {"id": "28:benchmate", "name": "Benchmate"},
        "conversation": {"id": f"a:personal-{user}", "conversationType": "personal"},
        "channelData": {"tenant": {"id": TENANT}},
        **what,
    }


def teams_press(user: str, service_url: str, value: str) -> dict[str, Any]:
    data = {"action_id": "event.rsvp", "value": value}
    action = {"type": "Action.Execute", "verb": "event.rsvp", "data": data}
    return teams_activity(
        user,
        service_url,
        type="invoke",
        name="adaptiveCard/action",
        value={"action": action, "trigger": "manual"},
        replyToId="announcement-card",
    )


# --- servers: ours, bare, the worker ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start(name: str, args: list[str], env: dict[str, str], folder: Path) -> Process:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(args, env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    return Process(name, popen, log)


async def until_up(http: ClientSession, url: str, process: Process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited: {process.log.read_text()[-2000:]}")
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            async with http.get(url) as response:
                if response.status < 500:
                    return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{process.name} did not start: {process.log.read_text()[-2000:]}")


def server_env(database_url: str, api: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env.update(
        DATABASE_URL=database_url,
        BENCHMATE_ENV="development",
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api + "/api/",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    return env


ROOT = Path(__file__).resolve().parent.parent


def serve_processes(args: argparse.Namespace) -> list[str]:
    return ["--processes", str(args.processes)]


def benchmate(*args: str) -> list[str]:
    """`benchmate …` from this tree (the code the benchmark sits beside)."""
    return [sys.executable, "-m", "bot.cli", *args]


def serve_bare(port: int, api: str) -> None:
    """The baseline process: bare Bolt (acks only) and a bare CloudAdapter echo bot."""
    from botbuilder.core import ActivityHandler, TurnContext
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.app.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.teams.endpoint import Credentials

    bolt = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=api + "/api/"), signing_secret=SECRET
    )

    @bolt.command(re.compile(".*"))
    async def on_command(ack):  # type: ignore[no-untyped-def]
        await ack()

    @bolt.action(re.compile(".*"))
    async def on_action(ack):  # type: ignore[no-untyped-def]
        await ack()

    class Echo(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(f"You said: {turn_context.activity.text}")

    teams = CloudAdapter(
        ConfigurationBotFrameworkAuthentication(Credentials(None, None, "MultiTenant", None))
    )
    echo = Echo()

    async def slack(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def messages(request: web.Request) -> web.StreamResponse:
        return await teams.process(request, echo) or web.Response(status=201)

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", slack)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", health)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# --- the network -----------------------------------------------------------------------------


@dataclass
class Network:
    champion: str  # console handle
    champion_slack: str
    matrix_users: list[str]  # known Slack members
    teams_users: list[str]  # known Teams members (aad ids)
    finders: list[str]  # Slack users with a mentee profile in the demo scheme
    open_event: int = 0
    rush_event: int = 0
    known: int = 0


async def prepare(
    database_url: str, members: int, places: int, zone: str, service_url: str
) -> Network:
    """The demo network, `members` more known members (a tenth on Teams), two announcements."""
    from sqlalchemy import func, insert, select

    from bot.harness import Harness
    from bot.root import create_runtime
    from bot.settings import Settings
    from handlers.mentoring.matching import WEIGHTS
    from store import demo
    from store.models import Member, PlatformIdentity, RoleGrant

    runtime = create_runtime(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
    now = datetime.now(UTC)
    try:
        async with runtime.sessions() as session, session.begin():
            await demo.seed(session, now, WEIGHTS)
            start_id = (await session.scalar(select(func.max(Member.id)))) or 0
            rows, identities = [], []
            for n in range(1, members + 1):
                member_id = start_id + n
                rows.append(
                    dict(
                        id=member_id,
                        display_name=f"Technician {n}",
                        specialisms=[],
                        timezone=zone,
                        proactive_paused=False,
                        email_verified=False,
                        job_title="",
                        created_at=now,
                        updated_at=now,
                    )
                )
                identities.append(identity(member_id, n, service_url, now))
            for first in range(0, members, 2000):
                await session.execute(insert(Member), rows[first : first + 2000])
                await session.execute(insert(PlatformIdentity), identities[first : first + 2000])
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(select(func.setval("members_id_seq", start_id + members)))
            await session.execute(
                Member.__table__.update().values(timezone=zone)  # type: ignore[attr-defined]
            )
            champion_id = await session.scalar(
                select(RoleGrant.member_id).where(RoleGrant.role == "champion").limit(1)
            )
            champion = await session.scalar(
                select(PlatformIdentity.user_id).where(
                    PlatformIdentity.member_id == champion_id,
                    PlatformIdentity.platform == "console",
                )
            )
            session.add(slack_identity(champion_id, "UCHAMP", now))  # type: ignore[arg-type]
            finders = await mentee_ids(session)
            for member_id in finders:
                session.add(slack_identity(member_id, f"UFIND{member_id}", now))
        network = Network(
            champion=str(champion),
            champion_slack="UCHAMP",
            matrix_users=[f"U{start_id + n}" for n in range(1, members + 1) if n % 10][:400],
            teams_users=[f"aad-{start_id + n}" for n in range(10, members + 1, 10)][:200],
            finders=[f"UFIND{m}" for m in finders],
            known=members,
        )
        harness = Harness(runtime)
        network.open_event = await announce(harness, network.champion, TITLES[0], "")
        network.rush_event = await announce(harness, network.champion, TITLES[1], str(places))
        return network
    finally:
        await runtime.close()


def identity(member_id: int, n: int, service_url: str, now: datetime) -> dict[str, Any]:
    """As bench_broadcast makes them (nine in ten on Slack), known and seen yesterday."""
    from benchmarks.bench_broadcast import identity as broadcast_identity

    found = broadcast_identity(member_id, "teams" if n % 10 == 0 else "slack", service_url, now)
    return found | {"profile_synced_at": now, "last_seen_at": now - timedelta(days=1)}


def slack_identity(member_id: int, user: str, now: datetime, as_row: bool = False) -> Any:
    from store.models import PlatformIdentity

    values = dict(
        member_id=member_id,
        platform="slack",
        workspace=TEAM,
        user_id=user,
        conversation={"team_id": TEAM, "dm": f"D{user}"},
        profile_synced_at=now,  # known: no users.info needed
        last_seen_at=now - timedelta(days=1),
        created_at=now,
    )
    return values if as_row else PlatformIdentity(**values)


async def mentee_ids(session: Any) -> list[int]:
    from sqlalchemy import text

    rows = await session.execute(
        text("SELECT member_id FROM mentoring_profiles WHERE role IN ('mentee', 'both')")
    )
    return sorted(row[0] for row in rows)


async def announce(harness: Any, champion: str, title: str, capacity: str) -> int:
    """Through the champion's own turns: `event new`, the form, Send."""
    from sqlalchemy import text

    day = (datetime.now(UTC) + timedelta(days=9)).date().isoformat()
    fields = {
        "title": title,
        "description": DESCRIPTION,
        "day": day,
        "starts": "10:00",
        "ends": "15:00",
        "location": "Life Sciences, Lecture Theatre 2",
        "online_url": "",
        "capacity": capacity,
        "deadline": "",
        "audience": "network",
        "interests": "",
    }
    opened = await harness.say(champion, "event new")
    assert opened.form is not None, opened.text
    preview = await harness.submit(champion, opened.form, fields)
    assert not preview.errors, preview.errors
    sent = await harness.press(champion, preview.button("Send"))
    assert "Sent!" in sent.text, sent.text
    async with harness.runtime.sessions() as session:
        return int(
            await session.scalar(
                text("SELECT id FROM events WHERE title = :t ORDER BY id DESC"), {"t": title}
            )
        )


# --- the crowd -------------------------------------------------------------------------------


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        if not self.latencies_ms:
            return {"n": 0, "errors": len(self.errors)}
        return {
            "n": len(self.latencies_ms),
            "p50_ms": round(percentile(self.latencies_ms, 50), 2),
            "p95_ms": round(percentile(self.latencies_ms, 95), 2),
            "p99_ms": round(percentile(self.latencies_ms, 99), 2),
            "errors": len(self.errors),
        }


Send = Callable[[ClientSession, int], Awaitable[str | None]]  # index -> error or None


async def crowd(http: ClientSession, send: Send, count: int, level: int, into: Result) -> float:
    """`count` requests, `level` at a time; returns the seconds it took."""
    numbers = iter(range(count))

    async def one_by_one() -> None:
        for index in numbers:
            started = time.perf_counter()
            try:
                problem = await send(http, index)
            except Exception as failure:  # a refused connection, a timeout: an error
                problem = f"{type(failure).__name__}: {failure}"
            into.latencies_ms.append((time.perf_counter() - started) * 1000)
            if problem:
                into.errors.append(problem)

    began = time.perf_counter()
    await asyncio.gather(*(one_by_one() for _ in range(level)))
    return time.perf_counter() - began


async def post(http: ClientSession, url: str, body: bytes, headers: dict[str, str]) -> str | None:
    async with http.post(url, data=body, headers=headers) as response:
        text = await response.text()
        if response.status >= 300:
            return f"HTTP {response.status}"
        if any(apology in text for apology in APOLOGIES):
            return text[:120]
        return None


class Traffic:
    """The three Slack requests, and Teams `help`, for one server (ours or bare)."""

    def __init__(self, base: str, fakes_url: str, network: Network) -> None:
        self.base = base
        self.hooks = fakes_url + "/respond/"
        self.service_url = fakes_url
        self.network = network
        self.presses: Counter[str] = Counter()

    def sender(self, kind: str) -> Send:
        users = self.network.finders if kind == "find" else self.network.matrix_users

        async def send(http: ClientSession, index: int) -> str | None:
            user = users[index % len(users)]
            hook = f"{self.hooks}{kind}-{user}-{index}"
            if kind == "help":
                body, headers = slash("/benchmate", "help", user, hook)
            elif kind == "find":
                body, headers = slash("/mentor", "find", user, hook)
            else:
                self.presses[user] += 1
                answer = ("going", "maybe", "not_going")[self.presses[user] % 3]
                value = f"{self.network.open_event}:{answer}"
                body, headers = button("event.rsvp", value, user, hook)
            return await post(http, self.base + "/slack/events", body, headers)

        return send

    def teams(self) -> Send:
        users = self.network.teams_users

        async def send(http: ClientSession, index: int) -> str | None:
            activity = teams_activity(
                users[index % len(users)], self.service_url, type="message", text="help"
            )
            async with http.post(self.base + "/api/messages", json=activity) as response:
                await response.read()
                return None if response.status < 300 else f"HTTP {response.status}"

        return send


async def alternate(
    http: ClientSession, ours: Send, bare: Send, count: int, level: int, rounds: int = 2
) -> tuple[Result, Result]:
    """Ours and bare in turns of count/rounds requests, so both see the same machine."""
    mine, theirs = Result(), Result()
    share = max(level, count // rounds)
    for _ in range(rounds):
        await crowd(http, ours, share, level, mine)
        await crowd(http, bare, share, level, theirs)
    return mine, theirs


# --- the RSVP rush ---------------------------------------------------------------------------


@dataclass
class Press:
    who: str  # Slack user id or Teams aad id
    platform: str
    sent: float = 0.0
    answered: float = 0.0
    reply: str = ""
    told: int = 0
    error: str | None = None


async def rush(
    http: ClientSession, base: str, fakes: Fakes, fakes_url: str, network: Network, size: int
) -> tuple[list[Press], float]:
    """A tenth on Teams, a tenth already members, the rest pressing for the first time."""
    pressers: list[Press] = []
    for n in range(size):
        if n % 10 == 0:
            pressers.append(Press(f"aad-rush-{n}", "teams"))
        elif n % 10 == 5:
            pressers.append(
                Press(network.matrix_users[(n // 10) % len(network.matrix_users)], "slack")
            )
        else:
            pressers.append(Press(f"URUSH{n}", "slack"))
    random.Random(15).shuffle(pressers)
    value = f"{network.rush_event}:going"

    async def send(http: ClientSession, index: int) -> str | None:
        press = pressers[index]
        press.sent = time.perf_counter()
        if press.platform == "slack":
            hook = f"rush-{press.who}"
            body, headers = button("event.rsvp", value, press.who, f"{fakes_url}/respond/{hook}")
            press.error = await post(http, base + "/slack/events", body, headers)
            press.answered = time.perf_counter()
        else:
            activity = teams_press(press.who, fakes_url, value)
            async with http.post(base + "/api/messages", json=activity) as response:
                await response.read()
                press.answered = time.perf_counter()
                messages = fakes.teams_messages.get(f"a:personal-{press.who}", [])
                press.reply, press.told = " ".join(messages), len(messages)
                if response.status >= 300:
                    press.error = f"HTTP {response.status}"
        return press.error

    result = Result()
    seconds = await crowd(http, send, len(pressers), RUSH_LEVEL, result)
    # A turn still running near Slack's deadline is acked empty and answered by
    # response_url a little later: wait for those, and count the press as answered then.
    slack = [p for p in pressers if p.platform == "slack"]
    deadline = time.monotonic() + LATE_WAIT_SECONDS
    while any(not fakes.answers.get(f"rush-{p.who}") for p in slack):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    for press in slack:
        hook = f"rush-{press.who}"
        press.reply = " ".join(fakes.answers.get(hook, []))
        press.told = len(fakes.answers.get(hook, []))
        press.answered = max(press.answered, fakes.answered_at.get(hook, 0.0))
    return pressers, seconds


def rush_verdict(
    pressers: list[Press], rows: dict[tuple[str, str], tuple[str, int | None]], places: int
) -> dict[str, Any]:
    """Exactly `places` going, the waitlist in press order, each told once and truly."""
    problems: list[str] = []
    going = [p for p in pressers if rows.get((p.platform, p.who), ("", None))[0] == "going"]
    waiting = [p for p in pressers if rows.get((p.platform, p.who), ("", None))[0] == "waitlist"]
    positions = [rows[(p.platform, p.who)][1] for p in waiting]
    if len(going) != places:
        problems.append(f"{len(going)} going, not {places}")
    if len(going) + len(waiting) != len(pressers):
        problems.append(f"{len(pressers) - len(going) - len(waiting)} presses recorded nowhere")
    if len(set(positions)) != len(positions):
        problems.append("two people share a waitlist position")
    rank = {pos: n + 1 for n, pos in enumerate(sorted(p for p in positions if p is not None))}
    told_twice = wrong = 0
    for press in pressers:
        answer, position = rows.get((press.platform, press.who), ("", None))
        said_going = "You're going" in press.reply
        said_place = re.search(r"number (\d+) in line", press.reply)
        told_twice += press.told > 1
        if answer == "going" and not said_going:
            wrong += 1
        if answer == "waitlist" and not (
            said_place and int(said_place[1]) == rank.get(position, -1)
        ):
            wrong += 1
    # Press order: whoever was answered before someone else pressed is ahead of them.
    by_answer = sorted(pressers, key=lambda p: p.answered)
    out_of_order, ahead, cursor = 0, 0, 0
    for press in sorted(pressers, key=lambda p: p.sent):
        while cursor < len(by_answer) and by_answer[cursor].answered < press.sent:
            done = by_answer[cursor]
            answer, position = rows.get((done.platform, done.who), ("", None))
            ahead = max(ahead, (position or 0) if answer == "waitlist" else 0)
            cursor += 1
        answer, position = rows.get((press.platform, press.who), ("", None))
        mine = (position or 0) if answer == "waitlist" else 0
        if ahead and (mine == 0 or mine <= ahead):
            out_of_order += 1
    if told_twice:
        problems.append(f"{told_twice} told twice")
    if wrong:
        problems.append(f"{wrong} told something the database does not say")
    if out_of_order:
        problems.append(f"{out_of_order} out of press order")
    return {
        "going": len(going),
        "waitlist": len(waiting),
        "told_twice": told_twice,
        "wrong_answers": wrong,
        "out_of_order": out_of_order,
        "exact": not problems,
        "problems": problems,
    }


async def rsvp_rows(database_url: str, event_id: int) -> dict[tuple[str, str], tuple[str, Any]]:
    from sqlalchemy import text

    from store.db import make_engine

    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT i.platform, i.user_id, r.answer, r.position FROM event_rsvps r "
                    "JOIN identities i ON i.member_id = r.member_id "
                    "WHERE r.event_id = :e"
                ),
                {"e": event_id},
            )
            return {(p, u): (a, pos) for p, u, a, pos in rows}
    finally:
        await engine.dispose()


async def champion_status(
    http: ClientSession, base: str, fakes: Fakes, fakes_url: str, network: Network
) -> str:
    hook = "status-check"
    body, headers = button(
        "event.status",
        str(network.rush_event),
        network.champion_slack,
        f"{fakes_url}/respond/{hook}",
    )
    await post(http, base + "/slack/events", body, headers)
    return " ".join(fakes.answers.get(hook, []))


def status_right(status: str, places: int, waiting: int) -> bool:
    text = status.replace("\\n", " ")
    found = re.search(r"Waitlist\W+(\d[\d,]*)", text)
    return (
        f"{places} of {places} places" in text
        and bool(found)
        and (int(found[1].replace(",", "")) == waiting)
    )


# --- one database ----------------------------------------------------------------------------


async def one_database(
    name: str, database_url: str, args: argparse.Namespace, zone: str | None
) -> dict[str, Any]:
    from benchmarks._common import fresh_schema

    folder = Path(tempfile.mkdtemp(prefix=f"bench_crowd_{name}_"))
    fakes = Fakes(zone or "Europe/London")
    runner = web.AppRunner(fakes.app(), access_log=None)
    await runner.setup()
    fake_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", fake_port).start()
    fakes_url = f"http://127.0.0.1:{fake_port}"
    await fresh_schema(database_url)
    network = await prepare(
        database_url, args.members, args.places, zone or "Europe/London", fakes_url
    )

    env = server_env(database_url, fakes_url)
    ours_port, bare_port = free_port(), free_port()
    processes = [
        start(
            "serve",
            benchmate("serve", "--no-worker", "--port", str(ours_port), *serve_processes(args)),
            env,
            folder,
        ),
        start(
            "bare",
            [sys.executable, __file__, "--serve-bare", str(bare_port), "--api", fakes_url],
            env,
            folder,
        ),
    ]
    ours_url, bare_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{bare_port}"
    figures: dict[str, Any] = {}
    worker: Process | None = None
    timeout = ClientTimeout(total=30)
    try:
        async with ClientSession(connector=TCPConnector(limit=0), timeout=timeout) as http:
            await until_up(http, ours_url + "/healthz", processes[0])
            await until_up(http, bare_url + "/healthz", processes[1])
            ours, bare = (
                Traffic(ours_url, fakes_url, network),
                Traffic(bare_url, fakes_url, network),
            )
            # Warm-up: every member used once (first sight this process), both servers.
            for kind in KINDS:
                await crowd(http, ours.sender(kind), len(network.matrix_users), 8, Result())
                await crowd(http, bare.sender(kind), 50, 8, Result())
            await crowd(http, ours.teams(), len(network.teams_users), 8, Result())
            await crowd(http, bare.teams(), 50, 8, Result())

            figures.update(await matrix(http, ours, bare, args.n))
            sent_before = fakes.api_calls["chat.postMessage"]
            if zone is None:
                figures["worker"] = {"skipped": "no members' zone is in office hours now"}
            else:
                worker = start("worker", benchmate("worker"), env, folder)
                await asyncio.sleep(2)  # it starts, takes the dispatch lock, begins sending
                figures["worker"] = await matrix(http, ours, bare, args.n)
                figures["worker"]["broadcast_sent_meanwhile"] = (
                    fakes.api_calls["chat.postMessage"] - sent_before
                )
            pressers, seconds = await rush(http, ours_url, fakes, fakes_url, network, args.rush)
            rows = await rsvp_rows(database_url, network.rush_event)
            verdict = rush_verdict(pressers, rows, args.places)
            status = await champion_status(http, ours_url, fakes, fakes_url, network)
            verdict["status_right"] = status_right(status, args.places, verdict["waitlist"])
            latencies = [(p.answered - p.sent) * 1000 for p in pressers]
            errors = [p.error for p in pressers if p.error]
            first_time = [
                (p.answered - p.sent) * 1000 for p in pressers if "RUSH" in p.who or "rush" in p.who
            ]
            figures["rush"] = {
                "members": len(pressers),
                "places": args.places,
                "concurrency": RUSH_LEVEL,
                "seconds": round(seconds, 2),
                "p50_ms": round(percentile(latencies, 50), 2),
                "p95_ms": round(percentile(latencies, 95), 2),
                "p99_ms": round(percentile(latencies, 99), 2),
                "first_time_p95_ms": round(percentile(first_time, 95), 2),
                "errors": len(errors),
                **verdict,
            }
    finally:
        for process in [*([worker] if worker else []), *processes]:
            process.stop()
        await runner.cleanup()
    duplicates = sum(count - 1 for count in fakes.notices.values() if count > 1)
    figures["duplicates"] = duplicates
    figures["database_locked"] = sum(
        p.log.read_text(errors="replace").count("database is locked")
        for p in [*processes, *([worker] if worker else [])]
    )
    return figures


async def matrix(http: ClientSession, ours: Traffic, bare: Traffic, n: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for level in LEVELS:
        cell: dict[str, Any] = {}
        for kind in KINDS:
            mine, theirs = await alternate(http, ours.sender(kind), bare.sender(kind), n, level)
            ours_f, bare_f = mine.figures(), theirs.figures()
            cell[kind] = {
                **ours_f,
                "baseline_p50_ms": bare_f.get("p50_ms"),
                "baseline_p95_ms": bare_f.get("p95_ms"),
                "ratio": round(ours_f["p95_ms"] / bare_f["p95_ms"], 2),
                "error_samples": mine.errors[:3],
            }
        cell["p95_ms"] = max(cell[k]["p95_ms"] for k in KINDS)
        cell["ratio"] = max(cell[k]["ratio"] for k in KINDS)
        cell["errors"] = sum(cell[k]["errors"] for k in KINDS)
        figures[f"c{level}"] = cell
    mine, theirs = await alternate(http, ours.teams(), bare.teams(), n, TEAMS_LEVEL)
    ours_f, bare_f = mine.figures(), theirs.figures()
    figures[f"teams_c{TEAMS_LEVEL}"] = {
        **ours_f,
        "baseline_p50_ms": bare_f.get("p50_ms"),
        "baseline_p95_ms": bare_f.get("p95_ms"),
        "ratio": round(ours_f["p95_ms"] / bare_f["p95_ms"], 2),
    }
    return figures


# --- report ----------------------------------------------------------------------------------


CROWD_HEADER = ["conc", "request", "p50", "p95", "p99", "bare p50", "bare p95", "ratio", "errors"]
CROWD_FIELDS = [
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "baseline_p50_ms",
    "baseline_p95_ms",
    "ratio",
    "errors",
]
RUSH_HEADER = ["p50", "p95", "p99", "first-time p95", "s", "going", "waitlist", "errors", "exact"]
RUSH_FIELDS = ["p50_ms", "p95_ms", "p99_ms", "first_time_p95_ms", "seconds", "going", "waitlist"]


def report(results: dict[str, dict[str, Any]], load: list[float], processes: int) -> None:
    print(f"Benchmate runs as `serve --processes {processes}`; bare Bolt in one process.")
    for name, figures in results.items():
        for label, part in (("alone", figures), ("with a worker delivering", figures["worker"])):
            if "skipped" in part:
                print(f"\n{name}, {label}: skipped ({part['skipped']})")
                continue
            rows = [
                [level, kind, *(part[f"c{level}"][kind][f] for f in CROWD_FIELDS)]
                for level in LEVELS
                for kind in KINDS
            ]
            teams = part[f"teams_c{TEAMS_LEVEL}"]
            rows.append([TEAMS_LEVEL, "teams help", *(teams[f] for f in CROWD_FIELDS)])
            title = f"{name}, {label}: Benchmate vs bare Bolt / bare CloudAdapter, ms"
            print_table(title, CROWD_HEADER, rows)
        rush = figures["rush"]
        title = (
            f"{name}: RSVP rush, {rush['members']} members for {rush['places']} places, "
            f"{RUSH_LEVEL} at a time (ms); event status right: {rush['status_right']}, "
            f"duplicate notices: {figures['duplicates']}, "
            f"'database is locked' in logs: {figures['database_locked']}"
        )
        row = [*(rush[f] for f in RUSH_FIELDS), rush["errors"], rush["exact"]]
        print_table(title, RUSH_HEADER, [row])
        if rush["problems"]:
            print("  rush problems: " + "; ".join(rush["problems"]))
    print(f"\nload average (1, 5, 15 min) at the start and at the end: {load}")
    worst = max(f[f"c{level}"]["ratio"] for f in results.values() for level in LEVELS)
    verdict = "met" if worst <= TARGET_RATIO else "MISSED"
    print(f"target: p95 <= {TARGET_RATIO}x bare at every concurrency -> worst {worst}x ({verdict})")


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    zone = office_zone(datetime.now(UTC))
    results: dict[str, dict[str, Any]] = {}
    folder = Path(tempfile.mkdtemp(prefix="bench_crowd_"))
    results["sqlite"] = await one_database(
        "sqlite", f"sqlite+aiosqlite:///{folder / 'crowd.db'}", args, zone
    )
    if args.postgres:
        url = await scratch_postgres(args.postgres)
        try:
            results["postgresql"] = await one_database("postgresql", url, args, zone)
        finally:
            await drop_postgres(args.postgres)
    return results


async def scratch_postgres(server_url: str) -> str:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from store.db import make_engine

    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        await connection.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    await admin.dispose()
    return make_url(server_url).set(database=BENCH_DB).render_as_string(hide_password=False)


async def drop_postgres(server_url: str) -> None:
    from sqlalchemy import text

    from store.db import make_engine

    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
    await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120, help="requests per cell, ours and bare each")
    parser.add_argument("--members", type=int, default=2000, help="known members (broadcast)")
    parser.add_argument("--rush", type=int, default=2000, help="members in the RSVP rush")
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--deadline", type=float, default=900, help="give up after this many s")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="`serve --processes` (default: one per CPU, as the README advises)",
    )
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare, args.api)
        return
    load = [round(x, 2) for x in os.getloadavg()]
    results = asyncio.run(asyncio.wait_for(bench(args), timeout=args.deadline))
    load.extend(round(x, 2) for x in os.getloadavg())
    report(results, load, args.processes)
    figures: dict[str, Any] = {
        "bench": "crowd",
        "members": args.members,
        "rush": args.rush,
        "places": args.places,
        "n": args.n,
        "processes": args.processes,
        "load_average": load,
    }
    for name, part in results.items():
        figures[name] = strip(part)
    print_json(figures)


def strip(part: Any) -> Any:
    if isinstance(part, dict):
        return {k: strip(v) for k, v in part.items() if k not in ("error_samples", "problems")}
    return part


if __name__ == "__main__":
    main()
