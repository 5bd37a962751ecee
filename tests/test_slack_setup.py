"""Slack set-up: the manifest, credentials checks, OAuth installs in our database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.oauth.installation_store import Installation

from adapters.slack import SLACK, SlackConfigError, mount
from adapters.slack.manifest import BOT_EVENTS, BOT_SCOPES, manifest
from adapters.slack.oauth import DatabaseInstallationStore, SignedStateStore
from bot.cli import main
from bot.clock import FixedClock
from bot.root import create_app, create_runtime
from tests.conftest import settings_for
from tests.slack_fakes import SECRET, TEAM, USER, FakeSlack, command_body, signed
from tests.slack_fixtures import fake_slack_fixture  # noqa: F401


def test_manifest_lists_commands_scopes_events_and_urls() -> None:
    settings = settings_for("sqlite+aiosqlite://", benchmate_public_url="https://bm.example.org/")
    made = manifest(settings)
    commands = {c["command"]: c for c in made["features"]["slash_commands"]}
    assert set(commands) == {"/mentor", "/event", "/nominate", "/pulse", "/report", "/benchmate"}
    assert commands["/mentor"]["url"] == "https://bm.example.org/slack/events"
    assert made["settings"]["interactivity"]["request_url"] == "https://bm.example.org/slack/events"
    assert made["oauth_config"]["scopes"]["bot"] == BOT_SCOPES
    assert set(made["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.im",
    }
    assert made["settings"]["socket_mode_enabled"] is False
    assert made["features"]["shortcuts"]
    socket = manifest(settings_for("sqlite+aiosqlite://", slack_app_token="xapp-1"))
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["interactivity"]


# What Slack requires (its scope reference) for each Web API method and event the adapter uses.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "conversations.open": {"im:write"},
    # The outbox's restart check reads back DMs, public and private channels.
    "conversations.history": {"im:history", "channels:history", "groups:history"},
    "users.info": {"users:read", "users:read.email"},  # the email needs the second
    "views.open": set(),
    "views.push": set(),
    "views.update": set(),
    "views.publish": set(),
}
EVENT_SCOPES = {
    "app_home_opened": set(),
    "app_mention": {"app_mentions:read"},
    "message.im": {"im:history"},
}
COMMAND_SCOPES = {"commands"}  # slash commands and global shortcuts
ADAPTER = Path(__file__).resolve().parent.parent / "adapters" / "slack"
WEB_API_CALL = re.compile(r"client\.([a-z]+)_([A-Za-z]+)")


def test_manifest_asks_for_exactly_the_scopes_the_adapter_uses() -> None:
    source = "\n".join(path.read_text() for path in ADAPTER.glob("*.py"))
    called = {f"{family}.{method}" for family, method in WEB_API_CALL.findall(source)}
    assert called == set(METHOD_SCOPES), "a Web API call with no scope reckoned for it"
    assert set(BOT_EVENTS) == set(EVENT_SCOPES)
    needed = COMMAND_SCOPES.union(*METHOD_SCOPES.values(), *EVENT_SCOPES.values())
    assert set(BOT_SCOPES) == needed  # nothing missing, nothing asked for and unused
    oauth = manifest(settings_for("sqlite+aiosqlite://", slack_client_id="1.2"))
    events = oauth["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)  # installs forget their token


def test_cli_prints_the_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slack", "manifest"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["display_information"]["name"] == "Benchmate"


async def test_production_refuses_slack_without_a_signing_secret(database_url: str) -> None:
    settings = settings_for(database_url, benchmate_env="production", slack_bot_token="xoxb-1")
    runtime = create_runtime(settings)
    try:
        with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
            create_app(runtime)
    finally:
        await runtime.close()


async def test_unconfigured_slack_adds_no_route(database_url: str) -> None:
    runtime = create_runtime(settings_for(database_url))
    app = web.Application()
    mount(app, runtime)
    assert SLACK not in app and not list(app.router.routes())
    await runtime.close()


async def test_socket_mode_is_prepared_when_an_app_token_is_set(database_url: str) -> None:
    settings = settings_for(database_url, slack_bot_token="xoxb-1", slack_app_token="xapp-1")
    runtime = create_runtime(settings)
    app = web.Application()
    mount(app, runtime)
    assert SLACK in app  # connects from on_startup; no HTTP route without a signing secret
    assert app.on_startup and not list(app.router.routes())
    await runtime.close()


async def test_oauth_installs_serve_each_workspace_with_its_own_token(
    database_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    settings = settings_for(
        database_url,
        slack_client_id="111.222",
        slack_client_secret="shh",
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.api_url,
    )
    runtime = create_runtime(settings, clock=clock)
    store = DatabaseInstallationStore(runtime)
    await store.async_save(
        Installation(
            app_id="A0001",
            team_id=TEAM,
            bot_token="xoxb-installed",
            bot_id="B1",
            bot_user_id="UBOT",
            bot_scopes="commands,chat:write",
            user_id="UADMIN",
        )
    )
    fresh = DatabaseInstallationStore(runtime)  # another process: reads the database
    found = await fresh.async_find_bot(enterprise_id=None, team_id=TEAM)
    assert found is not None and found.bot_token == "xoxb-installed"
    client = TestClient(TestServer(create_app(runtime)))
    await client.start_server()
    try:
        body, kind = command_body("/benchmate", "help", fake_slack.response_url())
        response = await client.post(
            "/slack/events", data=body.encode(), headers={**signed(body), "Content-Type": kind}
        )
        assert response.status == 200
        assert (await response.json())["response_type"] == "ephemeral"
        [lookup] = fake_slack.named("users.info")
        assert (lookup.token, lookup.params["user"]) == ("xoxb-installed", USER)
        install_page = await client.get("/slack/install")
        assert install_page.status == 200
        assert "slack.com/oauth/v2/authorize" in await install_page.text()
    finally:
        await client.close()
        await runtime.close()


async def test_oauth_state_is_signed_and_single_purpose() -> None:
    store = SignedStateStore("secret")
    state = await store.async_issue()
    assert await store.async_consume(state)
    assert not await store.async_consume(state[:-1] + ("0" if state[-1] != "0" else "1"))
    assert not await SignedStateStore("other").async_consume(state)
