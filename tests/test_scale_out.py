"""Several processes on one PostgreSQL: two `serve --no-worker`, two `worker`, a mixed load
at both web processes, one web and one worker killed half-way.

Checks: every request is answered (a request that met the dead web is sent again to the
live one, as a person or the platform would), every proactive message reaches Slack
exactly once (the killed worker's rows are checked against the conversation before they
are sent again), no event is over capacity, and no answer is lost. Everything runs on
127.0.0.1 and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot import outbox
from bot.clock import SystemClock
from bot.ui import text_message
from store.db import make_engine, make_session_factory
from store.events.models import Event, EventRsvp
from store.migrate import upgrade
from store.models import Member, OutboxMessage, PlatformIdentity
from tests.conftest import POSTGRES_URL
from tests.slack_fakes import (
    SECRET,
    TEAM,
    FakeSlack,
    block_action,
    command_body,
    interaction_body,
    signed,
)
from tests.teams_fakes import FakeConnector, message

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="several processes need PostgreSQL")

SLACK_PEOPLE = 24
TEAMS_PEOPLE = 8
PROACTIVE = 96  # four messages to each Slack member
CAPACITY = 10
CHANGED = "event.changed"  # a time-critical kind: delivered whatever the hour


class RememberingSlack(FakeSlack):
    """The fake Web API, keeping what was posted to each conversation (with its metadata)
    so conversations.history can answer a restarted worker's "did this arrive?"."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.delivered: dict[str, int] = defaultdict(int)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            channel = str(params.get("channel"))
            metadata = params.get("metadata") or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            key = (metadata.get("event_payload") or {}).get("key")
            if key:
                self.delivered[key] += 1
            self.history[channel].append(
                {"ts": str(len(self.history[channel])), "metadata": metadata}
            )
            return {"ok": True, "ts": f"17.{len(self.history[channel])}", "channel": channel}
        if method == "conversations.history":
            channel = str(params.get("channel"))
            return {"ok": True, "messages": list(reversed(self.history[channel]))}
        return super()._answer(method, params)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def scratch_database() -> AsyncIterator[str]:
    assert POSTGRES_URL
    url = make_url(POSTGRES_URL)
    name = f"{url.database}_scale"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = url.set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(upgrade, scratch)
    try:
        yield scratch
    finally:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def seed(database_url: str) -> int:
    """Slack members, an event with CAPACITY places, PROACTIVE messages queued."""
    engine = make_engine(database_url)
    now = SystemClock().now()
    async with make_session_factory(engine)() as session, session.begin():
        event = Event(
            title="Cryo-EM open day",
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=7, hours=2),
            capacity=CAPACITY,
            audience={"network": True},
            status="sent",
            uid="scale@benchmate",
            calendar_token="scale-token",
            sent_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(event)
        members = []
        for n in range(SLACK_PEOPLE):
            member = Member(display_name=f"Tech {n}", created_at=now, updated_at=now)
            session.add(member)
            members.append(member)
        await session.flush()
        for n, member in enumerate(members):
            session.add(
                PlatformIdentity(
                    member_id=member.id,
                    platform="slack",
                    workspace=TEAM,
                    user_id=slack_user(n),
                    display_name=member.display_name,
                    created_at=now,
                    last_seen_at=now,
                    profile_synced_at=now,
                )
            )
        for i in range(PROACTIVE):
            member = members[i % SLACK_PEOPLE]
            await outbox.enqueue(
                session,
                key=f"{CHANGED}:{event.id}:{member.id}:{i}",
                kind=CHANGED,
                message=text_message(f"Update {i}"),
                now=now,
                member_id=member.id,
            )
        event_id = event.id
    await engine.dispose()
    return event_id


def slack_user(n: int) -> str:
    return f"U{n + 1000}"


class Fleet:
    """The processes under test."""

    def __init__(self, database_url: str, slack: RememberingSlack) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "BENCHMATE_LOG_FORMAT": "json",
            "SLACK_BOT_TOKEN": "xoxb-scale",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "HOST": "127.0.0.1",
        }
        for name in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "BENCHMATE_ENV"):
            self.env.pop(name, None)
        self.webs: list[tuple[int, subprocess.Popen[bytes]]] = []
        self.workers: list[tuple[int, subprocess.Popen[bytes]]] = []

    def start(self) -> None:
        for _ in range(2):
            port = free_port()
            self.webs.append((port, self._spawn(["serve", "--no-worker", "--port", str(port)])))
        for _ in range(2):
            port = free_port()
            worker = self._spawn(["worker"], BENCHMATE_METRICS_PORT=str(port))
            self.workers.append((port, worker))

    def _spawn(self, args: list[str], **env: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            env={**self.env, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @property
    def everyone(self) -> list[subprocess.Popen[bytes]]:
        return [p for _, p in self.webs + self.workers]

    async def ready(self, session: aiohttp.ClientSession, tries: int = 600) -> None:
        """Every process answers /readyz (polled at most `tries` times, 0.1 s apart)."""
        for port, process in self.webs + self.workers:
            for _ in range(tries):
                assert process.poll() is None, "a process exited while starting"
                try:
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("a process never became ready")

    def stop(self) -> list[int | None]:
        for process in self.everyone:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = []
        for process in self.everyone:
            try:
                codes.append(process.wait(timeout=20))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(None)
        return codes


async def post(
    session: aiohttp.ClientSession, ports: list[int], path: str, body: str, headers: dict[str, str]
) -> int:
    """Send to the first web process; if it is gone, to the next (a balancer's failover)."""
    for port in ports:
        try:
            async with session.post(
                f"http://127.0.0.1:{port}{path}", data=body.encode(), headers=headers
            ) as answer:
                await answer.read()
                return answer.status
        except aiohttp.ClientError:
            continue
    return 0


async def test_two_webs_two_workers_one_killed_of_each(scratch_database: str) -> None:
    event_id = await seed(scratch_database)
    slack, teams = RememberingSlack(), FakeConnector()
    await slack.start()
    await teams.start()
    for n in range(SLACK_PEOPLE):
        slack.user(slack_user(n), f"Tech {n}")
    fleet = Fleet(scratch_database, slack)
    fleet.start()
    statuses: list[int] = []
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
            await fleet.ready(session)
            ports = [port for port, _ in fleet.webs]
            requests = load(event_id, slack, teams.url)
            half = len(requests) // 2
            for number, (path, body, headers) in enumerate(requests):
                if number == half:
                    await kill_half(fleet, scratch_database)
                order = ports if number % 2 else ports[::-1]
                statuses.append(await post(session, order, path, body, headers))
            await delivered_all(scratch_database)
        codes = fleet.stop()
    finally:
        for process in fleet.everyone:
            if process.poll() is None:
                process.kill()
        await slack.close()
        await teams.close()

    assert statuses and all(200 <= status < 300 for status in statuses), statuses
    assert codes[1] == 0 and codes[3] == 0  # the survivors stopped cleanly on SIGTERM
    sent = await outbox_state(scratch_database)
    assert sent == {"sent": PROACTIVE}
    assert len(slack.delivered) == PROACTIVE
    assert set(slack.delivered.values()) == {1}, "a proactive message was delivered twice"
    answers = await rsvps(scratch_database, event_id)
    assert answers["going"] == CAPACITY  # never over capacity
    assert answers["going"] + answers["waitlist"] == SLACK_PEOPLE  # no press lost
    teams_replies = [call for call in teams.posts() if "/activities" in call.path]
    assert len(teams_replies) >= TEAMS_PEOPLE  # each Teams turn answered


def load(
    event_id: int, slack: RememberingSlack, teams_url: str
) -> list[tuple[str, str, dict[str, str]]]:
    """Slash commands, RSVP presses and Teams messages, interleaved."""
    requests = []
    for n in range(SLACK_PEOPLE):
        user = slack_user(n)
        body, kind = command_body("/benchmate", "help", slack.response_url(), user_id=user)
        requests.append(("/slack/events", body, {"Content-Type": kind, **signed(body)}))
        press = block_action(
            {"action_id": "event.rsvp", "value": f"{event_id}:going", "type": "button"},
            slack.response_url(),
        )
        press["user"] = {"id": user, "team_id": TEAM}
        body, kind = interaction_body(press)
        requests.append(("/slack/events", body, {"Content-Type": kind, **signed(body)}))
        if n < TEAMS_PEOPLE:
            sender = {"id": f"29:scale-{n}", "aadObjectId": f"aad-scale-{n}", "name": f"Teams {n}"}
            conversation = {
                "id": f"a:scale-{n}",
                "conversationType": "personal",
                "tenantId": "tenant-1",
            }
            activity = message(teams_url, "help", sender=sender, conversation=conversation)
            requests.append(
                ("/api/messages", json.dumps(activity), {"Content-Type": "application/json"})
            )
    return requests


async def kill_half(fleet: Fleet, database_url: str) -> None:
    """SIGKILL the first web process and the worker delivering (if one is mid-send)."""
    fleet.webs[0][1].kill()
    delivering = await leaseholder_pid(database_url)
    workers = [process for _, process in fleet.workers]
    victim = next((w for w in workers if w.pid == delivering), workers[0])
    victim.kill()
    if victim is workers[1]:  # keep the survivors at positions 1 and 3 for the checks
        fleet.workers.reverse()


async def leaseholder_pid(database_url: str) -> int | None:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            owner = await connection.scalar(
                select(OutboxMessage.lease_owner).where(OutboxMessage.status == "sending").limit(1)
            )
    finally:
        await engine.dispose()
    return int(owner.split(":")[1]) if owner else None


async def delivered_all(database_url: str, tries: int = 900) -> None:
    """Wait (0.1 s at a time, bounded) until nothing is queued or being sent."""
    for _ in range(tries):
        state = await outbox_state(database_url)
        if set(state) <= {"sent", "dead", "skipped"}:
            return
        await asyncio.sleep(0.1)


async def outbox_state(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
            return {status: count for status, count in rows}
    finally:
        await engine.dispose()


async def rsvps(database_url: str, event_id: int) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(EventRsvp.answer, func.count())
                .where(EventRsvp.event_id == event_id)
                .group_by(EventRsvp.answer)
            )
            return defaultdict(int, {answer: count for answer, count in rows})
    finally:
        await engine.dispose()
