"""Count-then-act limits under concurrent presses: each check and the act it guards happen
as one, so presses at the same moment can't all pass a check that only some may pass."""

from __future__ import annotations

import asyncio

from bot.harness import Harness
from bot.settings import Settings
from tests.events_network import draft, person, rows


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
