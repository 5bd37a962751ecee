"""pytest fixtures for Slack adapter tests: the fake Web API and our app wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import FixedClock
from bot.root import create_runtime
from bot.router import Router
from bot.runtime import Runtime
from tests.conftest import settings_for
from tests.helpers import app_for_tests
from tests.slack_fakes import SECRET, USER, FakeSlack, SlackApp


@pytest.fixture(name="fake_slack")
async def fake_slack_fixture() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    fake.user(
        USER,
        "Priya Shah",
        profile={"display_name": "Priya Shah", "email": "priya@uni.ac.uk"},
        is_email_confirmed=True,
    )
    yield fake
    await fake.close()


def slack_runtime_for(
    database_url: str, clock: FixedClock, fake: FakeSlack, router: Router | None = None
) -> Runtime:
    """A runtime with Slack pointed at the fake Web API (and, if given, its own routes)."""
    settings = settings_for(
        database_url,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
    )
    return create_runtime(settings, router=router, clock=clock)


@pytest.fixture(name="slack_runtime")
async def slack_runtime_fixture(
    database_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> AsyncIterator[Runtime]:
    runtime = slack_runtime_for(database_url, clock, fake_slack)
    yield runtime
    await runtime.close()


@pytest.fixture(name="slack")
async def slack_fixture(slack_runtime: Runtime, fake_slack: FakeSlack) -> AsyncIterator[SlackApp]:
    client = TestClient(TestServer(app_for_tests(slack_runtime)))
    await client.start_server()
    yield SlackApp(client, slack_runtime, fake_slack)
    await client.close()
