"""Count-then-act limits under concurrent presses: each check and the act it guards happen
as one, so presses at the same moment can't all pass a check that only some may pass."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.harness import Harness
from bot.settings import Settings
from store.nominations.models import Category
from store.pulse.models import PulseAnswer
from tests import pulse_network as pulse
from tests.events_network import draft, person, rows
from tests.nominations_network import category_fields, draft_drive, latest_drive


async def test_six_sends_at_once_stop_at_the_daily_limit(harness: Harness) -> None:
    """One champion presses Send on six network-wide drafts at the same moment, each press
    its own turn and transaction: three go out, three are told kindly about the limit."""
    harness.runtime.settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=harness.runtime.settings.database_url,
        benchmate_broadcasts_per_day=3,
    )
    await person(harness, "dan", roles=["champion"])
    await person(harness, "priya")
    previews = [await draft(harness, "dan", title=f"Open lab {n}") for n in range(6)]
    turns = await asyncio.gather(
        *(harness.press("dan", preview.button("Send")) for preview in previews)
    )
    texts = [turn.text for turn in turns]
    assert sum("Sent!" in text for text in texts) == 3, texts
    assert sum("can't go to everyone today" in text for text in texts) == 3, texts
    to_priya = [row for row in await rows(harness, "broadcast:") if row.member_id]
    assert len({row.key.split(":")[1] for row in to_priya}) == 3  # three events reached anyone


async def test_the_same_category_added_twice_at_once_is_added_once(harness: Harness) -> None:
    """The coordinator's Add pressed twice (two turns at once): one category, and the
    second told kindly that the drive already has it."""
    await person(harness, "grace", roles=["coordinator"])
    preview = await draft_drive(harness, panel="Grace")
    opened = await harness.press("grace", preview.button("Add a category"))
    assert opened.form is not None, opened.text
    turns = await asyncio.gather(
        *(harness.submit("grace", opened.form, category_fields()) for _ in range(2))
    )
    refused = [turn for turn in turns if turn.errors]
    assert len(refused) == 1 and "already has a category" in refused[0].errors["name"]
    drive = await latest_drive(harness)
    async with harness.runtime.sessions() as session:
        names = await session.scalars(select(Category.name).where(Category.drive_id == drive.id))
        assert list(names) == ["Technician of the Year"]


async def test_one_answer_sent_twice_at_once_counts_once(harness: Harness) -> None:
    """A pulse answer form submitted twice at the same moment (a double press or a platform
    retry racing the first): one answer in the round, never two from one person."""
    members = await pulse.network(harness, members=2)
    survey = await pulse.send(harness)
    [first] = await pulse.rounds(harness, survey.id)
    opened = await harness.press(members[0], "pulse.answer", str(first.id))
    assert opened.form is not None, opened.text
    await asyncio.gather(*(harness.submit(members[0], opened.form, pulse.ANSWER) for _ in range(2)))
    async with harness.runtime.sessions() as session:
        stored = await session.scalar(
            select(func.count()).select_from(PulseAnswer).where(PulseAnswer.round_id == first.id)
        )
    assert stored == 1
