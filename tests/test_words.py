"""Words that fit who reads them: searches explained, offers only where they apply, events
described as they are, and the profile form in the reader's own role."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import jobs
from bot.harness import Harness
from tests.events_network import announce, person, rows, rsvp
from tests.mentoring_network import join, network


async def test_find_with_words_says_which_of_them_each_mentor_knows(harness: Harness) -> None:
    ids = await network(harness)
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    await join(
        harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms, method validation"
    )
    found = await harness.say("priya", "mentor find validation")
    assert "you searched for method validation" in found.text
    labels = [b.label for b in found.buttons]
    assert "Include past mentors" not in labels  # she has never had a mentor


async def test_an_online_event_is_described_as_online(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    await person(harness, "priya")
    event = await announce(harness, "dan", location="", online_url="https://meet.example/x")
    await rsvp(harness, "priya", event, "going")
    await jobs.run_all(harness.runtime, datetime(2026, 3, 9, 14, 30, tzinfo=UTC))
    [reminder] = await rows(harness, "event.reminder_day:")
    text = reminder.payload["text"]
    assert "at Online" not in text and ", online." in text


async def test_a_cancelled_event_does_not_offer_a_calendar_to_update(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    await person(harness, "priya")
    event = await announce(harness, "dan")
    await rsvp(harness, "priya", event, "going")
    asked = await harness.press("dan", "event.cancel_ask", str(event.id))
    await harness.press("dan", asked.button("Cancel the event"))
    [told] = await rows(harness, "event.cancelled:")
    assert "Press Add to calendar" not in told.payload["text"]


async def test_the_profile_form_asks_a_mentor_and_a_mentee_their_own_questions(
    harness: Harness,
) -> None:
    ids = await network(harness)
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    await join(harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms")
    mentee = (await harness.say("priya", "mentor profile edit")).form
    mentor = (await harness.say("farah", "mentor profile edit")).form
    assert mentee is not None and mentor is not None
    mentee_fields = {f.name: f for f in mentee.inputs}
    assert "offer" not in mentee_fields and "capacity" not in mentee_fields
    assert "looking_for" not in {f.name for f in mentor.inputs}
    stages = [o.label for o in mentee_fields["career_stage"].options]
    assert stages == ["Early", "Established", "Senior"]


async def test_help_lists_help_itself_under_getting_started(harness: Harness) -> None:
    turn = await harness.say("priya", "help")
    assert "help mentor —" not in turn.text
    assert "help — Show what I can do for you" in turn.text
