"""The middleware: bots ignored, retries de-duplicated, errors turned into apologies."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.harness import Harness
from bot.root import create_runtime
from bot.router import Router
from bot.runtime import Runtime
from handlers import build_router
from store.models import Member
from tests.conftest import UNREACHABLE, settings_for


async def count_members(harness: Harness) -> int:
    async with harness.runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Member)) or 0


async def test_unknown_command_suggests_the_nearest_and_help(harness: Harness) -> None:
    turn = await harness.say("priya", "profil")
    assert "I don't know “profil”" in turn.text
    assert "Did you mean “profile”?" in turn.text
    assert "help" in turn.text


async def test_messages_from_bots_are_ignored(harness: Harness) -> None:
    turn = await harness.say("otherbot", "help", from_bot=True)
    assert turn.responses == []
    assert await count_members(harness) == 0


async def test_a_repeated_delivery_has_one_effect(harness: Harness) -> None:
    first = await harness.say("priya", "profile link", delivery_id="Ev1")
    again = await harness.say("priya", "profile link", delivery_id="Ev1")
    assert "link code" in first.text
    assert again.responses == []


async def test_a_failing_handler_apologises_with_a_reference_and_saves_nothing(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    router = build_router()
    broken = Router()

    @broken.command("explode", summary="broken on purpose")
    async def explode(ctx, args: str) -> None:  # type: ignore[no-untyped-def]
        ctx.member.display_name = "Should not be saved"
        raise RuntimeError("boom")

    router.include(broken)
    runtime.router = router
    harness = Harness(runtime)
    await harness.say("priya", "help")
    with caplog.at_level(logging.ERROR):
        turn = await harness.say("priya", "explode")
    assert "something went wrong" in turn.text
    reference = turn.text.rsplit("reference: ", 1)[1].rstrip(".")
    assert reference in caplog.text and "boom" in caplog.text
    assert "Traceback" not in turn.text and "boom" not in turn.text
    async with runtime.sessions() as session:
        names = list(await session.scalars(select(Member.display_name)))
    assert names == ["Priya"]


async def test_a_stale_button_gets_a_friendly_answer(harness: Harness) -> None:
    turn = await harness.press("priya", "mentor.vanished", "42")
    assert "no longer works" in turn.text


async def test_database_away_gives_a_friendly_message() -> None:
    runtime = create_runtime(settings_for(UNREACHABLE))
    try:
        turn = await Harness(runtime).say("priya", "help")
    finally:
        await runtime.close()
    assert "can't reach my records" in turn.text
