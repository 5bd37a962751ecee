"""Advertise only what answers: every usage hint in the Slack manifest, every Teams command
and every shortcut is run as a member would, and none is unknown."""

from __future__ import annotations

import re

from adapters.slack.manifest import manifest as slack_manifest
from adapters.slack.translate import command_text
from adapters.teams.package import manifest as teams_manifest
from bot.harness import Harness
from tests.conftest import settings_for
from tests.helpers import make_member

UNKNOWN = ("I don't know", "I have no help on", "no longer works")


def slack_hints() -> list[str]:
    """`/mentor` with `find [specialism] | status | help`: mentor find, mentor status, …"""
    found = manifest_of_slack()
    typed = []
    for command in found["features"]["slash_commands"]:
        for hint in command["usage_hint"].split("|"):
            words = re.sub(r"\[[^\]]*\]", "", hint).strip()
            typed.append(command_text(command["command"], words))
    typed += [s["callback_id"] for s in found["features"].get("shortcuts", [])]
    return typed


def manifest_of_slack() -> dict:
    return slack_manifest(settings_for("sqlite+aiosqlite://"))


def teams_commands() -> list[str]:
    bots = teams_manifest(settings_for("sqlite+aiosqlite://"))["bots"]
    return [
        command["title"]
        for bot in bots
        for listed in bot["commandLists"]
        for command in listed["commands"]
    ]


async def test_every_advertised_command_answers(harness: Harness) -> None:
    from adapters.slack.manifest import SHORTCUTS

    await make_member(harness, "tess")
    shortcuts = {callback: command for _, callback, command, _ in SHORTCUTS}
    for typed in [*slack_hints(), *teams_commands()]:
        typed = shortcuts.get(typed, typed)
        turn = await harness.say("tess", typed)
        assert turn.responses, typed
        for unknown in UNKNOWN:
            assert unknown not in turn.text, f"{typed!r} answered {turn.text!r}"


def test_nothing_is_advertised_that_is_not_built() -> None:
    from handlers import build_router

    words = {word for word, _ in build_router().commands}
    for typed in [*slack_hints(), *teams_commands()]:
        assert typed.split()[0] in words | {"benchmate_mentor_find", "benchmate_profile_edit"}


async def test_privacy_mentions_only_features_that_exist(harness: Harness) -> None:
    turn = await harness.say("tess", "privacy")
    said = " ".join(getattr(b, "text", "") for m in turn.messages for b in m.blocks)
    words = {word for word, _ in harness.runtime.router.commands}
    assert ("survey" in said) == ("pulse" in words)
    assert "mentoring, events" in said
