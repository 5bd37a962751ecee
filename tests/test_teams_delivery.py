"""Proactive Teams messages: stored references, restarts, 429 back-off, 403, pacing."""
# ruff: noqa: F811  (pytest fixtures imported from tests.teams_fakes)

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from adapters.teams import install
from adapters.teams.sender import Pacer, TeamsSender
from bot.clock import FixedClock
from bot.delivery import PermanentFailure, RetryLater, Target
from bot.outbox import dispatch_due
from bot.root import create_runtime
from bot.runtime import Runtime
from bot.ui import text_message
from store.models import OutboxMessage, PlatformIdentity
from tests.conftest import settings_for
from tests.connections_seen import Connections
from tests.teams_fakes import (  # noqa: F401
    TENANT,
    FakeConnector,
    client,
    demo_router,
    fake,
    message,
    teams_runtime,
)


@pytest.fixture
async def worker(database_url: str, clock: FixedClock) -> AsyncIterator[Runtime]:
    """A separate process's view: a new runtime on the same database, Teams sender installed."""
    runtime = create_runtime(settings_for(database_url), router=demo_router(), clock=clock)
    install(runtime)
    yield runtime
    await runtime.close()


async def queue_ping(client: TestClient, fake: FakeConnector, scope: str = "personal") -> None:
    text, mention = ("ping hello", scope != "personal")
    await client.post("/api/messages", json=message(fake.url, text, scope=scope, mention=mention))
    fake.calls.clear()


async def outbox_row(runtime: Runtime) -> OutboxMessage:
    async with runtime.sessions() as session:
        row = await session.scalar(select(OutboxMessage))
        assert row is not None
        return row


async def deliver(runtime: Runtime) -> int:
    return await dispatch_due(runtime.sessions, runtime.senders, runtime.clock.now())


async def test_proactive_send_after_a_restart(
    client: TestClient, fake: FakeConnector, worker: Runtime
) -> None:
    await queue_ping(client, fake)
    await client.close()  # the web process is gone; only the database remembers
    assert await deliver(worker) == 1
    [sent] = fake.posts()
    assert sent.path == "/v3/conversations/a:personal-1/activities"
    assert sent.body["text"] == "Ping hello" and sent.body["textFormat"] == "plain"
    assert (await outbox_row(worker)).status == "sent"


async def test_429_backs_off_then_succeeds(
    client: TestClient, fake: FakeConnector, worker: Runtime, clock: FixedClock
) -> None:
    await queue_ping(client, fake)
    fake.fail(429, **{"Retry-After": "30"})
    await deliver(worker)
    row = await outbox_row(worker)
    assert row.status == "queued" and "429" in (row.last_error or "")
    assert row.due_at >= clock.now() + timedelta(seconds=30)
    assert await deliver(worker) == 0  # not due yet
    clock.advance(timedelta(minutes=2))
    assert await deliver(worker) == 1
    assert (await outbox_row(worker)).status == "sent"
    assert len(fake.posts()) == 2


async def test_403_is_permanent_and_marks_the_member_unreachable(
    client: TestClient, fake: FakeConnector, worker: Runtime
) -> None:
    await queue_ping(client, fake)
    fake.fail(403)
    await deliver(worker)
    row = await outbox_row(worker)
    assert row.status == "dead" and "403" in (row.last_error or "")
    async with worker.sessions() as session:
        identity = await session.scalar(select(PlatformIdentity))
    assert identity and identity.unreachable_at == worker.clock.now()
    assert "blocked" in (identity.unreachable_reason or "")


async def test_member_seen_only_in_a_channel_gets_a_new_personal_chat(
    client: TestClient, fake: FakeConnector, worker: Runtime
) -> None:
    await queue_ping(client, fake, scope="channel")
    await deliver(worker)
    created = [c for c in fake.calls if c.path.rstrip("/") == "/v3/conversations"]
    assert created and created[0].body["channelData"]["tenant"]["id"] == TENANT
    [sent] = fake.posts()
    assert sent.path.startswith("/v3/conversations/a:opened-")
    async with worker.sessions() as session:
        identity = await session.scalar(select(PlatformIdentity))
    assert identity and identity.conversation["scope"] == "personal"


@pytest.mark.parametrize("status", [412, 502, 504])
async def test_transient_statuses_retry_later(
    fake: FakeConnector, worker: Runtime, status: int
) -> None:
    sender = worker.senders["teams"]
    target = await personal_target(fake)
    fake.fail(status)
    with pytest.raises(RetryLater) as raised:
        await sender.send(target, text_message("Hi"))
    assert raised.value.after is None  # no Retry-After: the outbox's jittered back-off decides


async def test_no_reference_yet_is_a_clear_permanent_failure(worker: Runtime) -> None:
    with pytest.raises(PermanentFailure, match="no Teams conversation yet"):
        await worker.senders["teams"].send(
            Target("teams", TENANT, user_id="aad-9"), text_message("Hi")
        )


async def test_pacing_waits_briefly_then_defers(fake: FakeConnector, worker: Runtime) -> None:
    now = [100.0]
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    sender = TeamsSender(worker, worker.senders["teams"].messenger, Pacer(lambda: now[0]), sleep)
    target = await personal_target(fake)
    for _ in range(8):
        await sender.send(target, text_message("Hi"))
    assert waited and all(0 < wait <= 1.0 for wait in waited)  # the 8th waited for the 1 s window
    pacer = Pacer(lambda: now[0])
    for _ in range(60):
        now[0] += 0.3
        assert pacer.wait_for("c") == 0
    assert pacer.wait_for("c") > 2  # 60 in 30 s: the outbox reschedules instead


@dataclass
class ConnectionsSeen(FakeConnector):
    connections: Connections = field(default_factory=Connections)

    async def _answer(self, request: web.Request) -> web.Response:
        self.connections.note(request)
        return await super()._answer(request)


async def test_messages_share_one_connector_client_until_the_runtime_closes(
    worker: Runtime,
) -> None:
    fake = ConnectionsSeen()
    seen = fake.connections
    await fake.start()
    try:
        sender = worker.senders["teams"]
        for member in (1, 2, 3):
            await sender.send(await personal_target(fake, member), text_message("Hi"))
        # One client for the service URL: its HTTP session keeps the connection open.
        assert len(seen.distinct()) == 1
        await worker.close()  # shutdown closes the kept clients
        await sender.send(await personal_target(fake, 4), text_message("Hi"))
        assert seen.distinct()[1:] == [seen.last]  # so the next message needed a new one
        assert [p.path for p in fake.posts()] == [
            f"/v3/conversations/a:personal-{member}/activities" for member in (1, 2, 3, 4)
        ]
    finally:
        await fake.close()


async def personal_target(fake: FakeConnector, member: int = 1) -> Target:
    reference = {
        "bot": {"id": "28:benchmate-bot", "name": "Benchmate"},
        "user": {"id": f"29:user-{member}"},
        "conversation": {"id": f"a:personal-{member}", "tenantId": TENANT},
        "channelId": "msteams",
        "serviceUrl": fake.url,
    }
    return Target(
        "teams",
        TENANT,
        user_id=f"aad-{member}",
        conversation={"scope": "personal", "reference": reference},
    )
