"""Proactive Slack delivery for the outbox, against the fake Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import select

from adapters.slack import install
from adapters.slack.sender import SlackSender, single_token
from bot import outbox
from bot.delivery import PermanentFailure, RetryLater, Target
from bot.harness import Harness
from bot.runtime import Runtime
from bot.ui import text_message
from store.models import OutboxMessage
from tests.connections_seen import Connections
from tests.slack_fakes import TEAM, USER, FakeSlack
from tests.slack_fixtures import fake_slack_fixture, slack_runtime_fixture  # noqa: F401

NOTE = text_message("Your mentoring check-in is due <!channel>")


@pytest.fixture
async def sender(fake_slack: FakeSlack) -> AsyncIterator[SlackSender]:
    sender = SlackSender(fake_slack.api_url, single_token("xoxb-test"))
    yield sender
    await sender.close()


@dataclass
class ConnectionsSeen(FakeSlack):
    connections: Connections = field(default_factory=Connections)

    async def _api(self, request: web.Request) -> web.Response:
        self.connections.note(request)
        return await super()._api(request)


async def queue_for_member(runtime: Runtime) -> int:
    """A Slack member (created by saying hello) with one proactive message queued."""
    await Harness(runtime, platform="slack", workspace=TEAM).say(USER, "help")
    async with runtime.sessions() as session, session.begin():
        member_id = 1
        await outbox.enqueue(
            session,
            key="checkin:1",  # a kind no feature holds back at send time
            kind="checkin",
            message=NOTE,
            now=runtime.clock.now(),
            member_id=member_id,
        )
    return member_id


async def row(runtime: Runtime) -> OutboxMessage:
    async with runtime.sessions() as session:
        return await session.scalar(select(OutboxMessage))


async def test_install_registers_the_sender(slack_runtime: Runtime) -> None:
    install(slack_runtime)
    assert isinstance(slack_runtime.senders["slack"], SlackSender)


async def test_direct_message_opens_the_dm_and_posts(
    fake_slack: FakeSlack, sender: SlackSender
) -> None:
    await sender.send(Target("slack", TEAM, user_id=USER), NOTE)
    assert fake_slack.named("conversations.open")[0].params["users"] == USER
    [post] = fake_slack.named("chat.postMessage")
    assert post.params["channel"] == "D0001" and post.token == "xoxb-test"
    assert "<!channel>" not in post.params["text"]


async def test_known_dm_and_channel_posts_skip_conversations_open(
    fake_slack: FakeSlack, sender: SlackSender
) -> None:
    await sender.send(Target("slack", TEAM, user_id=USER, conversation={"dm": "D9"}), NOTE)
    await sender.send(Target("slack", TEAM, channel_id="C5"), NOTE)
    assert fake_slack.named("conversations.open") == []
    assert [c.params["channel"] for c in fake_slack.named("chat.postMessage")] == ["D9", "C5"]


async def test_rate_limit_becomes_retry_later_with_slacks_wait(
    fake_slack: FakeSlack, sender: SlackSender
) -> None:
    fake_slack.respond_next(
        "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}
    )
    with pytest.raises(RetryLater) as raised:
        await sender.send(Target("slack", TEAM, channel_id="C5"), NOTE)
    assert raised.value.after == timedelta(seconds=30)


@pytest.mark.parametrize("error", ["account_inactive", "user_not_found", "is_archived"])
async def test_gone_user_or_archived_channel_is_permanent(
    fake_slack: FakeSlack, sender: SlackSender, error: str
) -> None:
    fake_slack.respond_next("chat.postMessage", 200, {"ok": False, "error": error})
    with pytest.raises(PermanentFailure, match=error):
        await sender.send(Target("slack", TEAM, channel_id="C5"), NOTE)


async def test_outbox_delivers_once_after_the_retry_after_wait(
    slack_runtime: Runtime, fake_slack: FakeSlack, sender: SlackSender
) -> None:
    await queue_for_member(slack_runtime)
    senders = {"slack": sender}
    now = slack_runtime.clock.now()
    fake_slack.respond_next(
        "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}
    )
    await outbox.dispatch_due(slack_runtime.sessions, senders, now)
    waiting = await row(slack_runtime)
    assert waiting.status == "queued" and waiting.due_at >= now + timedelta(seconds=30)
    await outbox.dispatch_due(slack_runtime.sessions, senders, now + timedelta(seconds=20))
    assert len(fake_slack.named("chat.postMessage")) == 1  # nothing before the wait is over
    await outbox.dispatch_due(slack_runtime.sessions, senders, now + timedelta(seconds=40))
    await outbox.dispatch_due(slack_runtime.sessions, senders, now + timedelta(seconds=90))
    assert (await row(slack_runtime)).status == "sent"
    assert len(fake_slack.named("chat.postMessage")) == 2  # the refused try, then one delivery


async def test_deactivated_member_is_recorded_not_retried(
    slack_runtime: Runtime, fake_slack: FakeSlack, sender: SlackSender
) -> None:
    await queue_for_member(slack_runtime)
    fake_slack.respond_next("conversations.open", 200, {"ok": False, "error": "account_inactive"})
    now = slack_runtime.clock.now()
    await outbox.dispatch_due(slack_runtime.sessions, {"slack": sender}, now)
    dead = await row(slack_runtime)
    assert (dead.status, dead.last_error) == ("dead", "Slack: account_inactive")


async def test_outbox_key_is_tagged_and_found_again_after_a_restart(
    fake_slack: FakeSlack, sender: SlackSender
) -> None:
    target = Target("slack", TEAM, channel_id="C5", key="nudge:1:1")
    await sender.send(target, NOTE)
    [post] = fake_slack.named("chat.postMessage")
    metadata = post.params["metadata"]
    assert metadata["event_payload"] == {"key": "nudge:1:1"}
    history = {"ok": True, "messages": [{"ts": "1", "metadata": metadata}]}
    fake_slack.respond_next("conversations.history", 200, history)
    assert await sender.delivered(target, "nudge:1:1")
    fake_slack.respond_next("conversations.history", 200, history)
    assert not await sender.delivered(target, "nudge:1:2")


async def test_messages_share_one_connection_until_the_runtime_closes(
    slack_runtime: Runtime,
) -> None:
    fake = await ConnectionsSeen().start()
    seen = fake.connections
    sender = SlackSender(fake.api_url, single_token("xoxb-test"))
    slack_runtime.senders["slack"] = sender
    try:
        for channel in ("C1", "C2", "C3"):
            await sender.send(Target("slack", TEAM, channel_id=channel), NOTE)
        assert len(seen.distinct()) == 1  # not a new session (and connection) per message
        await slack_runtime.close()  # shutdown closes the sender's session
        await sender.send(Target("slack", TEAM, channel_id="C4"), NOTE)
        assert seen.distinct()[1:] == [seen.last]  # so the next message needed a new one
        posted = [c.params["channel"] for c in fake.named("chat.postMessage")]
        assert posted == ["C1", "C2", "C3", "C4"]
    finally:
        await sender.close()
        await fake.close()
