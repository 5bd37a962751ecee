"""Buttons, modals and their submissions through the real Bolt app over HTTP."""

from __future__ import annotations

import json

from sqlalchemy import select

from store.models import Member
from tests.slack_fakes import SlackApp, block_action, check_modal, view_submission
from tests.slack_fixtures import (  # noqa: F401
    fake_slack_fixture,
    slack_fixture,
    slack_runtime_fixture,
)


async def open_profile_form(slack: SlackApp) -> dict:
    """/benchmate profile, then press its Edit profile button: the modal Slack opened."""
    reply = await (await slack.command("/benchmate", "profile")).json()
    [button] = [
        element
        for block in reply["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert button["action_id"] == "profile.edit"
    response = await slack.interact(
        block_action(
            {"type": "button", "action_id": button["action_id"]}, slack.fake.response_url()
        )
    )
    assert response.status == 200
    [opened] = slack.fake.named("views.open")
    assert opened.params["trigger_id"] == "trigger-2"
    return opened.params["view"]


def typed(view: dict, **values: str) -> dict:
    """The modal's inputs as Slack submits them, with some values typed in."""
    state = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        value = values.get(block["block_id"], element.get("initial_value"))
        if element["type"] == "static_select":
            state[block["block_id"]] = {"type": "static_select", "selected_option": None}
        else:
            state[block["block_id"]] = {"type": element["type"], "value": value}
    return state


async def test_button_opens_the_form_as_a_modal(slack: SlackApp) -> None:
    view = await open_profile_form(slack)
    check_modal(view)
    assert view["callback_id"] == "profile.edit"
    names = [block["block_id"] for block in view["blocks"] if block["type"] == "input"]
    assert names[:2] == ["display_name", "job_title"]
    meta = json.loads(view["private_metadata"])
    assert meta["r"] == slack.fake.response_url() and meta["c"] == "C0001"


async def test_submission_with_errors_answers_with_field_errors(slack: SlackApp) -> None:
    view = await open_profile_form(slack)
    payload = view_submission(view, typed(view, display_name="", timezone="Mars/Olympus"))
    response = await slack.interact(payload)
    assert response.status == 200
    body = await response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"display_name", "timezone"}
    async with slack.runtime.sessions() as session:
        assert (await session.scalar(select(Member))).display_name == "Priya Shah"


async def test_submission_saves_and_replies_through_the_response_url(slack: SlackApp) -> None:
    view = await open_profile_form(slack)
    payload = view_submission(view, typed(view, display_name="Priya S.", job_title="LC-MS lead"))
    response = await slack.interact(payload)
    assert response.status == 200
    assert await response.text() == ""  # an empty ack closes the modal
    [reply] = slack.fake.named("response_url")
    assert reply.params["response_type"] == "ephemeral"
    assert "Profile saved" in reply.params["text"]
    async with slack.runtime.sessions() as session:
        member = await session.scalar(select(Member))
    assert (member.display_name, member.job_title) == ("Priya S.", "LC-MS lead")


async def test_button_from_an_old_message_gets_a_friendly_note(slack: SlackApp) -> None:
    await slack.command("/benchmate", "help")
    action = {"type": "button", "action_id": "gone.away#2", "value": "7"}
    response = await slack.interact(block_action(action, slack.fake.response_url()))
    assert response.status == 200
    [reply] = slack.fake.named("response_url")
    assert reply.params["replace_original"] is False
    assert "no longer works" in reply.params["text"]


async def test_select_sends_the_chosen_values_joined(slack: SlackApp) -> None:
    action = {
        "type": "multi_static_select",
        "action_id": "gone.away",
        "selected_options": [{"value": "a"}, {"value": "b"}],
    }
    from adapters.slack.translate import from_block_action

    _, press = from_block_action(block_action(action, slack.fake.response_url()))
    assert (press.action_id, press.value) == ("gone.away", "a,b")
