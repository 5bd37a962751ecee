"""`event list`, the dashboard and help: what a member sees of events."""

from __future__ import annotations

from bot.harness import Harness
from tests.events_network import announce, person, place, rsvp


async def test_list_shows_events_open_to_me_with_my_answer(harness: Harness) -> None:
    north, south = await place(harness, "northmoor"), await place(harness, "southby")
    await person(harness, "dan", institution=north, roles=["champion"])
    await person(harness, "priya", institution=north, specialisms=["proteomics"])
    await person(harness, "sam", institution=south)
    assert "no upcoming events open to you" in (await harness.say("priya", "event list")).text
    tour = await announce(harness, "dan", audience="chosen", interests="proteomics", capacity="1")
    await announce(
        harness, "dan", title="Northmoor coffee", audience="chosen", institutions=[str(north)]
    )
    await announce(harness, "dan", title="Network showcase", day="2026-03-09")
    await rsvp(harness, "priya", tour, "going")

    mine = await harness.say("priya", "event")
    assert mine.text.index("Network showcase") < mine.text.index("Proteomics facility tour")
    assert "Your answer: Going" in mine.text and "Northmoor coffee" in mine.text
    assert [b.label for b in mine.buttons][:4] == ["Going", "Maybe", "Can't go", "Add to calendar"]
    theirs = await harness.say("sam", "event list")
    assert "Network showcase" in theirs.text
    assert "Proteomics facility tour" not in theirs.text
    assert "Northmoor coffee" not in theirs.text
    assert "I don't know that events command" in (await harness.say("sam", "event lsit")).text

    await rsvp(harness, "sam", await _event_titled(harness, "Network showcase"), "maybe")
    home = await harness.say("priya", "home")
    assert "Events you're going to" in str(home.messages)
    assert "Proteomics facility tour" in str(home.messages)
    assert "Events you're going to" not in str((await harness.say("sam", "home")).messages)


async def test_help_lists_member_commands_for_everyone(harness: Harness) -> None:
    await person(harness, "priya")
    shown = (await harness.say("priya", "help event")).text
    assert "event list" in shown and "event checkin" in shown


async def _event_titled(harness: Harness, title: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from store.events.models import Event

    async with harness.runtime.sessions() as session:
        return await session.scalar(select(Event).where(Event.title == title))
