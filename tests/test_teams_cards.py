"""Adaptive Cards from the neutral model, the Markdown escaping, pagination and the app package.

Golden files: tests/golden/teams_*.json. After an intended change, rewrite them
with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_teams_cards.py` and review the diff.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from adapters.teams.cards import CARD_BUDGET, escape, form_card, message_cards, size_of
from adapters.teams.outgoing import message_activities
from adapters.teams.package import build_package, manifest
from adapters.teams.translate import submission
from bot.forms import with_errors
from bot.inbound import ButtonPress, FormSubmission
from bot.ui import (
    Actions,
    Button,
    Confirm,
    Divider,
    Fields,
    Heading,
    Hint,
    Message,
    Section,
    text_message,
)
from bot.ui import (
    Image as Picture,
)
from tests.conftest import Golden, settings_for
from tests.teams_fakes import DEMO_FORM


def suggestion() -> Message:
    return Message(
        text="Mentor suggestion: Ada Lovelace",
        blocks=[
            Heading(text="Mentor suggestion"),
            Section(
                text="Ada has run the **cryo** suite for 12 years.",
                button=Button(label="Profile", action_id="mentor.view", value="7"),
            ),
            Fields(
                pairs=[
                    ("Institution", "Uni of [Somewhere](http://evil.example)"),
                    ("Specialisms", "- cryo-EM\n1. glassblowing"),
                ]
            ),
            Divider(),
            Actions(
                buttons=[
                    Button(label="Ask Ada", action_id="mentor.request", value="7", style="primary"),
                    Button(
                        label="Withdraw",
                        action_id="mentor.withdraw",
                        value="7",
                        style="danger",
                        confirm=Confirm(title="Withdraw?", text="Ada will be told."),
                    ),
                    Button(label="Guide", action_id="help.guide", url="https://example.org/guide"),
                ]
            ),
            Picture(url="https://example.org/ada.png", alt="Ada's photo"),
            Hint(text="Only you can see this."),
        ],
    )


def test_golden_message_card(golden: Golden) -> None:
    [card] = message_cards(suggestion())
    golden("teams_message_card", card)


def test_golden_form_card_with_errors(golden: Golden) -> None:
    fields = {"lab": "", "staff": "0", "kit": ["pcr"], "public": True}
    errors = {"lab": "Please fill this in.", "staff": "Please give at least 1."}
    golden("teams_form_errors", form_card(with_errors(DEMO_FORM, fields, errors)))


def test_member_text_is_inert() -> None:
    assert escape("**bold** [x](http://e) _i_ <at>x</at>") == (
        r"\*\*bold\*\* \[x\](http://e) \_i\_ \<at\>x\</at\>"
    )


def test_only_what_would_form_markdown_is_escaped() -> None:
    plain = "Hello! I'm Benchmate (beta): snake_case, e-mail, #1 + 2 {x} a|b"
    assert escape(plain) == plain
    assert escape("# heading\n> quote\n+ item") == "\\# heading\n\\> quote\n\\+ item"


def test_a_confirmation_offers_a_clear_confirm_and_a_clear_way_back() -> None:
    [card] = message_cards(suggestion())
    [shown] = [
        action
        for element in card["body"]
        if element["type"] == "ActionSet"
        for action in element["actions"]
        if action["type"] == "Action.ShowCard"
    ]
    confirm, back = shown["card"]["actions"]
    assert confirm["title"] == "Yes" and confirm["data"]["action_id"] == "mentor.withdraw"
    assert back["title"] == "Cancel" and back["data"]["action_id"] == "core.keep"
    assert "again" not in json.dumps(shown)
    assert escape("- item\n1. first\n  - nested") == "\\- item\n1\\. first\n  \\- nested"


def test_plain_sections_go_as_plain_text() -> None:
    [activity] = message_activities(text_message("Hi *there*"))
    assert activity.text == "Hi *there*" and activity.text_format == "plain"
    assert not activity.attachments


def test_long_content_is_split_into_cards_under_the_budget() -> None:
    lines = "\n".join(f"Line {n}: " + "x" * 200 for n in range(600))
    message = Message(
        text="Long",
        blocks=[
            Heading(text="Report"),
            Section(text=lines),
            Actions(buttons=[Button(label="OK", action_id="a.b")]),
        ],
    )
    cards = message_cards(message)
    assert len(cards) > 4
    assert all(size_of(card) < CARD_BUDGET + 2_000 for card in cards)
    assert cards[-1]["body"][-1]["type"] == "ActionSet"
    shown = "\n".join(b["text"] for c in cards for b in c["body"] if b["type"] == "TextBlock")
    assert shown.count("Line ") == 600


def test_card_data_translates_back() -> None:
    assert submission({"action_id": "mentor.request", "value": "7"}) == ButtonPress(
        "mentor.request", "7", {}
    )
    assert submission(
        {"action_id": "x.pick", "select": "select:x.pick", "select:x.pick": "a,b", "note": "n"}
    ) == ButtonPress("x.pick", "a,b", {"note": "n"})
    assert submission({"form_id": "demo.save", "state": "s", "lab": "L"}) == FormSubmission(
        "demo.save", {"lab": "L"}, "s"
    )
    assert submission({"msteams": {}}) is None


def test_app_package(tmp_path: Path) -> None:
    settings = settings_for(
        "sqlite+aiosqlite://",
        microsoft_app_id="11111111-2222-3333-4444-555555555555",
        benchmate_public_url="https://bench.example.ac.uk",
    )
    package = zipfile.ZipFile(io.BytesIO(build_package(settings)))
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
    data = json.loads(package.read("manifest.json"))
    assert data["manifestVersion"] == "1.17" and data["id"] == settings.microsoft_app_id
    [bot] = data["bots"]
    assert bot["botId"] == settings.microsoft_app_id
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    personal = bot["commandLists"][0]["commands"]
    assert [c["title"] for c in personal][:4] == ["help", "home", "profile", "mentor find"]
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in personal)
    assert all(len(group["commands"]) <= 10 for group in bot["commandLists"])
    assert data["validDomains"] == ["bench.example.ac.uk"]
    colour = Image.open(io.BytesIO(package.read("color.png")))
    outline = Image.open(io.BytesIO(package.read("outline.png"))).convert("RGBA")
    assert colour.size == (192, 192) and outline.size == (32, 32)
    pixels = {outline.getpixel((x, y)) for x in range(32) for y in range(32)}
    assert pixels <= {(255, 255, 255, 255), (0, 0, 0, 0)}  # white on transparent only


def test_package_without_app_id_uses_a_stable_placeholder(caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for("sqlite+aiosqlite://")
    # Pinned: the same id in every process and release, so a re-upload replaces the app.
    assert manifest(settings)["id"] == "e2d8b1df-f37b-533c-b293-30687e2dee4f"
    assert "placeholder" in caplog.text
