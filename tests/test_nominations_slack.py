"""The statement's live word count on Slack, through the real Bolt app over signed HTTP:
each pause in typing updates the count in the field's hint; nothing goes to the core."""

from __future__ import annotations

from adapters.slack.modals import render_modal
from bot.forms import words_hint
from bot.ui import Form, Input
from tests.slack_fakes import SlackApp, block_action, check_modal
from tests.slack_fixtures import (  # noqa: F401
    fake_slack_fixture,
    slack_fixture,
    slack_runtime_fixture,
)


def statement_modal() -> dict:
    field = Input(name="statement", label="Why?", kind="long_text", word_limit=5)
    field.hint = f"Up to 5 words. {words_hint(field)}."
    view = render_modal(Form(form_id="nominate.submit", title="Nominate", inputs=[field]), {})
    return {**view, "id": "V42", "hash": "h1"}


async def test_typing_updates_the_word_count(slack: SlackApp) -> None:
    view = statement_modal()
    check_modal(view)
    [block] = view["blocks"]
    assert block["dispatch_action"] is True
    assert block["element"]["dispatch_action_config"]["trigger_actions_on"] == [
        "on_character_entered"
    ]
    assert block["hint"]["text"] == "Up to 5 words. 0 of 5 words."

    for typed, expected in (
        ("She keeps us going", "Up to 5 words. 4 of 5 words."),
        ("She keeps every one of us going", "Up to 5 words. 7 of 5 words — over the limit."),
    ):
        action = {"type": "plain_text_input", "action_id": "statement", "value": typed}
        response = await slack.interact(
            block_action({**action, "block_id": "statement"}, "", view=view)
        )
        assert response.status == 200
        [update] = [c for c in slack.fake.calls if c.method == "views.update"][-1:]
        assert update.params["view_id"] == "V42" and update.params["hash"] == "h1"
        [drawn] = update.params["view"]["blocks"]
        assert drawn["hint"]["text"] == expected
        check_modal(update.params["view"])
    # Only views.update: no turn ran, no message was posted.
    assert not [c for c in slack.fake.calls if c.method.startswith("chat.")]
