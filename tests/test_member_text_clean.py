"""Member text is inert: one cleaning rule at the edge, and Slack never formats it."""

from __future__ import annotations

import json

from adapters.slack.profiles import profile_from_user
from adapters.slack.render import render_message
from bot.harness import Harness
from bot.inbound import Profile
from bot.sanitise import clean
from bot.ui import Fields, Hint, Message, Section
from store.members import member_by_handle

DIRTY = "Pri\u202eya\u200b\u2066\ufeff\x00 Sh\x07ah\u200d\u2060\x9b"


def test_the_rule_removes_controls_bidi_and_zero_width_and_keeps_lines() -> None:
    assert clean(DIRTY) == "Priya Shah"
    assert clean("line one\n\tline two\r\x1b[31m") == "line one\n\tline two[31m"
    assert clean("Cafe\u0301") == "Café"  # NFC: one code point, as typed on another keyboard


async def test_a_dirty_profile_is_saved_clean_and_a_nul_is_no_apology(harness: Harness) -> None:
    await harness.say("priya", "help")
    turn = await harness.submit(
        "priya",
        "profile.edit",
        {
            "display_name": DIRTY,
            "job_title": "Tech\x00nician\u202e",
            "specialisms": "Proteo\u200bmics\x07",
            "timezone": "Europe/London",
        },
    )
    assert "Profile saved" in turn.text, turn.text
    async with harness.runtime.sessions() as session:
        member = await member_by_handle(session, "priya")
        assert member is not None
        assert member.display_name == "Priya Shah"
    shown = (await harness.say("priya", "profile")).text
    assert "Technician" in shown and "proteomics" in shown
    assert not any(ch in shown for ch in "\x00\x07\u202e\u200b")


async def test_a_platform_name_is_cleaned_before_it_is_stored(harness: Harness) -> None:
    await harness.say("sam", "help", profile=Profile(display_name="Sam\u202e\x00 O\u200bkafor\x07"))
    async with harness.runtime.sessions() as session:
        member = await member_by_handle(session, "sam")
        assert member is not None and member.display_name == "Sam Okafor"
    slack = profile_from_user({"profile": {"display_name": "Ana\u2067 Sil\x00va"}})
    assert slack.display_name == "Ana Silva"


def test_slack_shows_formatting_characters_literally() -> None:
    message = Message(
        text="From *boss*, network champion",
        blocks=[
            Section(text="From *boss*, network champion"),
            Fields(pairs=[("Description", "~x~ and `code` and _it_\n> quote")]),
            Hint(text="> quote by *boss*"),
        ],
    )
    rendered = render_message(message)
    assert rendered["mrkdwn"] is False  # the notification text is not formatted either
    section, fields, hint = rendered["blocks"]
    assert section["text"] == {
        "type": "plain_text",
        "text": "From *boss*, network champion",
        "emoji": True,
    }
    assert [field["type"] for field in fields["fields"]] == ["plain_text"]
    assert fields["fields"][0]["text"] == ("Description\n~x~ and `code` and _it_\n&gt; quote")
    assert hint["elements"][0]["type"] == "plain_text"
    assert "mrkdwn" not in json.dumps(rendered["blocks"])
