"""No dead ends: where the next step is obvious, a button offers it (never "type X")."""

from __future__ import annotations

from bot.harness import Harness, Turn
from tests.events_network import announce, draft, person
from tests.mentoring_network import (
    ask,
    buttons_of,
    join,
    network,
    outbox_for,
    paired,
    text_of,
)


def no_typing(turn: Turn) -> None:
    assert "Type mentor" not in turn.text and "type mentor" not in turn.text, turn.text
    assert "Type event" not in turn.text and "type event" not in turn.text, turn.text


async def test_accepting_offers_the_agreement_and_each_introduction_shows_the_other(
    harness: Harness,
) -> None:
    ids = await network(harness)
    await join(
        harness,
        "priya",
        ids["northmoor"],
        "mentee",
        specialisms="lc-ms",
        looking_for="Help with my RSciTech application",
    )
    await join(
        harness,
        "farah",
        ids["calderbridge"],
        "mentor",
        specialisms="lc-ms, method validation",
        offer="Ten years of running an LC-MS facility",
    )
    await ask(harness, "priya", "farah")
    accepted = await harness.press("farah", (await harness.say("farah", "mentor")).button("Accept"))
    no_typing(accepted)
    agreement = await harness.press("farah", accepted.button("Fill in the agreement"))
    assert agreement.form is not None and agreement.form.form_id == "mentor.agreement"
    [to_mentee] = await outbox_for(harness, "priya", "mentor.intro")
    [to_mentor] = await outbox_for(harness, "farah", "mentor.intro")
    for row in (to_mentee, to_mentor):
        assert "type mentor" not in text_of(row)
        assert [b["label"] for b in buttons_of(row)] == ["Fill in the agreement"]
    assert "Offers: Ten years of running an LC-MS facility" in text_of(to_mentee)
    assert "Specialisms: lc-ms, method validation" in text_of(to_mentee)
    assert "Looking for: Help with my RSciTech application" in text_of(to_mentor)


async def test_the_agreement_and_a_logged_meeting_lead_on_with_buttons(harness: Harness) -> None:
    await paired(harness)
    form = (await harness.say("priya", "mentor agreement")).form
    assert form is not None
    saved = await harness.submit(
        "priya",
        form,
        {
            "objectives": "Submit RSciTech",
            "cadence": "every 4 weeks",
            "format": "online",
            "confidentiality": "Between us",
            "months": "9",
        },
    )
    no_typing(saved)
    log = await harness.press("priya", saved.button("Log a meeting"))
    assert log.form is not None
    logged = await harness.submit("priya", log.form, {"held_on": "2026-03-02", "happened": "yes"})
    no_typing(logged)
    meetings = await harness.press("priya", logged.button("See your meetings"))
    assert "Meetings with Farah" in meetings.text
    [told] = await outbox_for(harness, "farah", "mentor.agreement")
    assert [b["label"] for b in buttons_of(told)] == ["See the agreement"]


async def test_withdrawing_offers_to_look_again(harness: Harness) -> None:
    ids = await network(harness)
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    await join(harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms")
    await ask(harness, "priya", "farah")
    withdrawn = await harness.say("priya", "mentor withdraw")
    no_typing(withdrawn)
    again = await harness.press("priya", withdrawn.button("Find another mentor"))
    assert "Suggested mentors" in again.text


async def test_a_saved_mentee_profile_offers_find_a_mentor(harness: Harness) -> None:
    ids = await network(harness)
    await join(harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms")
    saved = await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    found = await harness.press("priya", saved.button("Find a mentor"))
    assert "Farah" in found.text


async def test_a_sent_event_and_the_list_lead_to_the_champions_own_events(
    harness: Harness,
) -> None:
    await person(harness, "gareth", roles=["champion"])
    preview = await draft(harness, "gareth")
    sent = await harness.press("gareth", preview.button("Send"))
    no_typing(sent)
    status = await harness.press("gareth", sent.button("Watch deliveries and answers"))
    assert "Proteomics facility tour" in status.text
    listing = await harness.say("gareth", "event list")
    no_typing(listing)
    mine = await harness.press("gareth", listing.button("Your own events"))
    assert "Proteomics facility tour" in mine.text


async def test_an_abandoned_preview_does_not_shadow_the_sent_event_in_pickers(
    harness: Harness,
) -> None:
    await person(harness, "gareth", roles=["champion"])
    await draft(harness, "gareth")  # previewed, never sent: the champion started again
    await announce(harness, "gareth")
    turn = await harness.say("gareth", "event status")
    assert "Which event" not in turn.text  # one event, not two identical entries to choose
    assert "Announced" in turn.text


async def test_a_report_on_an_event_that_is_not_yours_says_so(harness: Harness) -> None:
    await person(harness, "gareth", roles=["champion"])
    await announce(harness, "gareth")
    await announce(harness, "gareth", title="Glassblowing demo")
    turn = await harness.say("gareth", "event report someone else's gala")
    assert "None of your events is called “someone else's gala”" in turn.text


async def test_the_way_back_from_a_confirmation_changes_nothing_and_says_so(
    harness: Harness,
) -> None:
    await person(harness, "gareth", roles=["champion"])
    preview = await draft(harness, "gareth")
    send = preview.button("Send")
    assert send.confirm is not None and send.confirm.confirm == "Yes, send it"
    back = await harness.press("gareth", "core.keep")
    assert back.text == "Okay — nothing has been sent or changed."
    status = await harness.say("gareth", "event status")
    assert status.text.startswith("Preview:")  # still a draft: nothing was sent
