"""Who may use a deployment: admitted workspaces and tenants, Slack Connect guests."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import func, select

from adapters.slack.oauth import DatabaseInstallationStore
from bot.clock import FixedClock
from bot.harness import Harness
from bot.root import create_runtime
from bot.runtime import Runtime
from store.models import Member
from tests.conftest import settings_for
from tests.helpers import app_for_tests, make_member
from tests.slack_fakes import SECRET, TEAM, FakeSlack, SlackApp, command_body, signed
from tests.slack_fixtures import (  # noqa: F401
    fake_slack_fixture,
    slack_fixture,
    slack_runtime_fixture,
)
from tests.teams_fakes import (  # noqa: F401
    TENANT,
    FakeConnector,
    fake,
    message,
    teams_client,
)

WAIT = "an admin needs to approve your workspace first"


async def members(runtime: Runtime) -> int:
    async with runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Member)) or 0


async def test_a_slack_connect_guest_is_refused_and_not_registered(slack: SlackApp) -> None:
    body, kind = command_body(
        "/benchmate", "mentor find", slack.fake.response_url(), user_team="T0999"
    )
    response = await slack.post(body, kind)
    answer = await response.json()
    assert "another organisation" in answer["text"]
    assert "The Technician Network" in answer["text"]
    assert await members(slack.runtime) == 0
    # The host workspace's own people are served as before.
    assert "Your profile" in (await (await slack.command("/benchmate", "profile")).json())["text"]
    assert await members(slack.runtime) == 1


async def test_an_unknown_tenant_is_refused_through_the_cloud_adapter(
    database_url: str,
    clock: FixedClock,
    fake: FakeConnector,  # noqa: F811
) -> None:
    settings = settings_for(database_url, microsoft_app_tenant_id="our-tenant")
    runtime = create_runtime(settings, clock=clock)
    try:
        async with teams_client(runtime) as client:
            response = await client.post("/api/messages", json=message(fake.url, "help"))
            assert response.status in (200, 201)
        [post] = fake.posts()
        assert WAIT in post.body["text"]
        assert await members(runtime) == 0
        admin = Harness(runtime)
        await make_member(admin, "alex", "admin")
        said = (await admin.say("alex", f"admin workspace approve teams {TENANT}")).text
        assert "is admitted" in said
        async with teams_client(runtime) as client:
            await client.post("/api/messages", json=message(fake.url, "help"))
        assert WAIT not in str(fake.posts()[-1].body)
        assert await members(runtime) == 2
    finally:
        await runtime.close()


async def test_the_configured_tenant_is_admitted(
    database_url: str,
    clock: FixedClock,
    fake: FakeConnector,  # noqa: F811
) -> None:
    runtime = create_runtime(
        settings_for(database_url, microsoft_app_tenant_id=TENANT), clock=clock
    )
    try:
        async with teams_client(runtime) as client:
            await client.post("/api/messages", json=message(fake.url, "help"))
        assert WAIT not in str(fake.posts()[0].body)
        assert await members(runtime) == 1
    finally:
        await runtime.close()


async def install(runtime: Runtime) -> None:
    """Northmoor Labs installs the app through Slack's OAuth flow."""
    await DatabaseInstallationStore(runtime).async_save(
        Installation(
            app_id="A0001",
            team_id=TEAM,
            team_name="Northmoor Labs",
            bot_token="xoxb-installed",
            bot_user_id="UBOT",
            user_id="UADMIN",
        )
    )


async def test_an_oauth_install_waits_for_an_admin(
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
    await install(runtime)
    client = TestClient(TestServer(app_for_tests(runtime)))
    await client.start_server()

    async def profile() -> str:
        body, kind = command_body("/benchmate", "profile", fake_slack.response_url())
        headers = {**signed(body), "Content-Type": kind}
        return (await (await client.post("/slack/events", data=body, headers=headers)).json())[
            "text"
        ]

    try:
        assert WAIT in await profile()
        assert await members(runtime) == 0
        admin = Harness(runtime)
        await make_member(admin, "alex", "admin")
        listed = (await admin.say("alex", "admin workspaces")).text
        assert "Northmoor Labs (slack): waiting for approval" in listed
        approved = (await admin.say("alex", "admin workspace approve northmoor labs")).text
        assert "Northmoor Labs is admitted" in approved
        assert "Your profile" in await profile()
        assert (
            "admitted the workspace “Northmoor Labs”"
            in (await admin.say("alex", "admin audit")).text
        )
        await admin.say("alex", "admin workspace remove Northmoor Labs")
        assert WAIT in await profile()
        # A second install of a removed workspace does not let it back in.
        await install(runtime)
        assert WAIT in await profile()
    finally:
        await client.close()
        await runtime.close()


async def test_only_admins_decide_and_unknown_names_are_explained(harness: Harness) -> None:
    await make_member(harness, "alex", "admin")
    assert "only for network admins" in (await harness.say("dan", "admin workspaces")).text
    refused = await harness.say("dan", "admin workspace approve anything")
    assert "only for network admins" in refused.text
    assert (
        "couldn't find exactly one" in (await harness.say("alex", "admin workspace approve x")).text
    )
    assert "Try admin workspaces" in (await harness.say("alex", "admin workspace")).text
    assert "always admitted" in (await harness.say("alex", "admin workspaces")).text
