"""Teams turns through the real CloudAdapter over HTTP; Connector calls land on a fake."""
# ruff: noqa: F811  (pytest fixtures imported from tests.teams_fakes)

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from adapters.teams import mount
from adapters.teams.endpoint import TeamsNotConfigured
from adapters.teams.turn import SENT_PRIVATELY
from bot.harness import Harness
from bot.inbound import Profile
from bot.root import create_runtime
from bot.runtime import Runtime
from store.models import Channel, InboundReceipt, Member, PlatformIdentity
from tests.conftest import settings_for
from tests.teams_fakes import (  # noqa: F401
    TENANT,
    FakeConnector,
    client,
    execute,
    fake,
    installed,
    message,
    submit,
    teams_client,
    teams_runtime,
)


async def post(client: TestClient, body: dict[str, Any], **headers: str) -> Any:
    return await client.post("/api/messages", json=body, headers=headers)


async def identity(runtime: Runtime, user_id: str = "aad-1") -> PlatformIdentity | None:
    async with runtime.sessions() as session:
        return await session.scalar(
            select(PlatformIdentity).where(PlatformIdentity.user_id == user_id)
        )


async def count(runtime: Runtime, model: type) -> int:
    async with runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


# --- commands in every scope ---------------------------------------------------------------


async def test_personal_message_gets_help_card_and_stores_reference(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime
) -> None:
    response = await post(client, message(fake.url, "help"))
    assert response.status in (200, 201)
    [reply] = fake.posts()
    assert reply.path.startswith("/v3/conversations/a:personal-1/activities/")
    assert reply.card and reply.card["version"] == "1.5"
    assert "Getting started" in reply.text
    assert reply.body["textFormat"] == "plain"
    found = await identity(teams_runtime)
    assert found and found.workspace == TENANT and found.display_name == "Tess Tech1"
    assert found.conversation["scope"] == "personal"
    assert found.conversation["reference"]["conversation"]["id"] == "a:personal-1"


@pytest.mark.parametrize("text", ["/help", "help"])
async def test_personal_message_with_mention_and_slash(
    client: TestClient, fake: FakeConnector, text: str
) -> None:
    await post(client, message(fake.url, text, mention=True))
    [reply] = fake.posts()
    assert "Getting started" in reply.text


@pytest.mark.parametrize("scope", ["channel", "groupChat"])
async def test_shared_chat_without_mention_is_ignored(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime, scope: str
) -> None:
    response = await post(client, message(fake.url, "help", scope=scope))
    assert response.status in (200, 201)
    assert fake.calls == []
    assert await count(teams_runtime, Member) == 0


@pytest.mark.parametrize("scope", ["channel", "groupChat"])
async def test_public_answer_in_shared_chat(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime, scope: str
) -> None:
    await post(client, message(fake.url, "shout team", scope=scope, mention=True))
    [reply] = fake.posts()
    assert reply.body["text"] == "Hello channel, team!"
    assert "19:" in reply.path  # answered where it was asked
    async with teams_runtime.sessions() as session:
        channel = await session.scalar(select(Channel))
    expected = "19:channel-1@thread.tacv2" if scope == "channel" else "19:group-1@thread.v2"
    assert channel and channel.channel_id == expected and channel.active
    assert channel.conversation["reference"]["conversation"]["id"] == expected


async def test_private_answer_in_channel_goes_to_a_personal_chat(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime
) -> None:
    await post(client, message(fake.url, "help", scope="channel", mention=True))
    opened = [c for c in fake.calls if c.path.rstrip("/") == "/v3/conversations"]
    assert opened and opened[0].body["members"][0]["id"] == "29:user-1"
    private, note = fake.posts()
    assert private.path.startswith("/v3/conversations/a:opened-")
    assert "Getting started" in private.text
    assert "19:channel-1" in note.path and note.body["text"] == SENT_PRIVATELY
    found = await identity(teams_runtime)
    assert found and found.conversation["scope"] == "personal"


# --- cards: buttons, selects, forms, Action.Execute ---------------------------------------


async def test_button_press_replaces_the_card(client: TestClient, fake: FakeConnector) -> None:
    await post(client, message(fake.url, "card"))
    await post(client, submit(fake.url, {"action_id": "demo.accept", "value": "42"}))
    [update] = fake.updates()
    assert update.path == "/v3/conversations/a:personal-1/activities/card-1"
    assert "You chose 42." in update.text


async def test_select_submit_is_a_button_press_with_the_choice(
    client: TestClient, fake: FakeConnector
) -> None:
    value = {"action_id": "demo.pick", "select": "select:demo.pick", "select:demo.pick": "fri"}
    await post(client, submit(fake.url, value))
    assert fake.posts()[-1].body["text"] == "Slot fri it is."


async def test_form_errors_replace_the_form_then_a_good_submit_saves(
    client: TestClient, fake: FakeConnector
) -> None:
    await post(client, message(fake.url, "form"))
    form = fake.posts()[0].card
    assert form and form["actions"][0]["data"] == {"form_id": "demo.save", "state": "s-1"}
    bad = {"form_id": "demo.save", "state": "s-1", "lab": "", "staff": "0", "kind": "wet"}
    await post(client, submit(fake.url, bad))
    [update] = fake.updates()
    warnings = [b["text"] for b in update.card["body"] if b.get("color") == "attention"]
    assert "Please fill this in." in warnings and "Please give at least 1." in warnings
    good = {**bad, "lab": "Bio *store*", "staff": "12", "kit": "lathe,pcr", "public": "true"}
    await post(client, submit(fake.url, good))
    assert fake.posts()[-1].body["text"] == "Saved Bio *store* with 12 technicians."


async def test_action_execute_answers_with_the_updated_card(
    client: TestClient, fake: FakeConnector
) -> None:
    response = await post(client, execute(fake.url, {"action_id": "demo.accept", "value": "7"}))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["body"][0]["text"] == "You chose 7."
    assert fake.updates() == []


async def test_action_execute_that_only_replies_answers_with_a_message(
    client: TestClient, fake: FakeConnector
) -> None:
    """An RSVP-like button answers in a new message, not by replacing its card."""
    response = await post(client, execute(fake.url, {"action_id": "demo.pick", "value": "mon"}))
    assert response.status == 200
    assert await response.json() == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "Done.",
    }
    assert fake.posts()[-1].body["text"] == "Slot mon it is."


async def test_action_execute_form_errors_come_back_in_the_card(
    client: TestClient, fake: FakeConnector
) -> None:
    data = {"form_id": "demo.save", "state": "s-1", "lab": "x", "staff": "many", "kind": "wet"}
    response = await post(client, execute(fake.url, data))
    card = (await response.json())["value"]
    assert any(b.get("text") == "Please give a number." for b in card["body"])


# --- installs, identity, retries ------------------------------------------------------------


async def test_personal_install_stores_the_reference_and_greets(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime
) -> None:
    await post(client, installed(fake.url))
    found = await identity(teams_runtime)
    assert found and found.conversation["scope"] == "personal"
    [greeting] = fake.posts()
    assert "Getting started" in greeting.text


async def test_team_install_stores_the_channel(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime
) -> None:
    await post(client, installed(fake.url, scope="channel"))
    async with teams_runtime.sessions() as session:
        channel = await session.scalar(select(Channel))
    assert channel and channel.name == "General" and channel.workspace == TENANT
    [welcome] = fake.posts()
    assert "@Benchmate help" in welcome.body["text"]


async def test_email_comes_from_the_roster_once(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime
) -> None:
    fake.emails["29:user-1"] = "tess@uni.example"
    await post(client, message(fake.url, "help"))
    await post(client, message(fake.url, "help"))
    found = await identity(teams_runtime)
    assert found and found.email == "tess@uni.example" and found.profile_synced_at
    assert len([c for c in fake.calls if "/members/" in c.path]) == 1


async def test_a_redelivered_activity_has_one_effect(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime
) -> None:
    body = message(fake.url, "help")
    await post(client, body)
    await post(client, body)
    assert len(fake.posts()) == 1
    assert await count(teams_runtime, InboundReceipt) == 1


async def test_mentions_of_other_people_become_their_names(
    client: TestClient, fake: FakeConnector
) -> None:
    await post(client, message(fake.url, "shout <at>Ada</at>", scope="groupChat", mention=True))
    assert fake.posts()[0].body["text"] == "Hello channel, Ada!"


# --- authentication ------------------------------------------------------------------------


async def test_with_an_app_id_a_request_without_a_valid_token_is_refused(
    database_url: str, fake: FakeConnector
) -> None:
    settings = settings_for(
        database_url,
        microsoft_app_id="11111111-2222-3333-4444-555555555555",
        microsoft_app_password="secret",
        microsoft_app_tenant_id=TENANT,
    )
    runtime = create_runtime(settings)
    try:
        async with teams_client(runtime) as secured:
            assert (await post(secured, message(fake.url, "help"))).status == 401
            forged = await post(secured, message(fake.url, "help"), Authorization="Bearer a.b.c")
            assert forged.status == 401
        assert fake.calls == []
        assert await count(runtime, Member) == 0
        assert await count(runtime, InboundReceipt) == 0
    finally:
        await runtime.close()


async def test_production_refuses_to_run_unauthenticated(database_url: str) -> None:
    runtime = create_runtime(settings_for(database_url, benchmate_env="production"))
    try:
        with pytest.raises(TeamsNotConfigured, match="MICROSOFT_APP_ID"):
            mount(web.Application(), runtime)
    finally:
        await runtime.close()


async def test_not_json_is_refused(client: TestClient) -> None:
    response = await client.post(
        "/api/messages", data="hello", headers={"Content-Type": "text/plain"}
    )
    assert response.status == 415


# --- names follow the platform ---------------------------------------------------------------

GUID = "00000000-0000-0000-0000-000000000020"
NAMELESS = {"id": "29:user-20", "aadObjectId": GUID}  # an install activity names nobody


async def member_named(runtime: Runtime, user_id: str) -> str:
    found = await identity(runtime, user_id)
    assert found is not None
    async with runtime.sessions() as session:
        member = await session.get(Member, found.member_id)
        assert member is not None
        return member.display_name


async def test_a_member_first_seen_at_install_takes_the_name_of_their_first_message(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime
) -> None:
    await post(client, installed(fake.url) | {"from": NAMELESS})
    assert await member_named(teams_runtime, GUID) == "A new member"  # never the GUID
    await post(client, message(fake.url, "help", sender=NAMELESS | {"name": "Tess Okoro"}))
    assert await member_named(teams_runtime, GUID) == "Tess Okoro"
    await post(client, message(fake.url, "help", sender=NAMELESS | {"name": "Tess Okoro-Hale"}))
    assert await member_named(teams_runtime, GUID) == "Tess Okoro-Hale"  # a rename follows


async def test_the_roster_names_a_member_the_install_did_not(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime
) -> None:
    fake.names["29:user-20"] = "Tess Okoro"
    await post(client, installed(fake.url) | {"from": NAMELESS})
    assert await member_named(teams_runtime, GUID) == "Tess Okoro"


async def test_a_name_the_member_chose_is_kept_when_the_platform_renames_them(
    client: TestClient, fake: FakeConnector, teams_runtime: Runtime
) -> None:
    await post(client, message(fake.url, "help", sender=NAMELESS | {"name": "Tess Okoro"}))
    found = await identity(teams_runtime, GUID)
    assert found is not None
    async with teams_runtime.sessions() as session, session.begin():
        member = await session.get(Member, found.member_id)
        assert member is not None
        member.display_name = "Dr Tess Okoro"  # as `profile edit` saves it
    await post(client, message(fake.url, "help", sender=NAMELESS | {"name": "T. Okoro"}))
    assert await member_named(teams_runtime, GUID) == "Dr Tess Okoro"


async def test_home_greets_a_member_with_no_name_yet_without_an_id(harness: Harness) -> None:
    turn = await harness.say(GUID, "home", profile=Profile())
    assert turn.text.startswith("Hello there!") and GUID not in turn.text
