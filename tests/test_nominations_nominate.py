"""Nominating a colleague: the form, the nominee's consent or decline, duplicates merged as
supporting statements, edits until the deadline, and every bad input kindly refused."""

from __future__ import annotations

from datetime import timedelta

from bot.harness import Harness
from tests.nominations_network import (
    network,
    nominate,
    nominations,
    open_drive,
    outbox,
)


async def test_nominate_then_the_nominee_accepts_with_facts(harness: Harness) -> None:
    people = await network(harness)
    await open_drive(harness)
    done = await nominate(harness, "sam", "Ada Lovelace")
    assert "your nomination of Ada Lovelace for Technician of the Year is in" in done.text
    [asked] = await outbox(harness, "nominate.consent:")
    assert asked.member_id == people["ada"]
    request = asked.payload["text"]
    assert "Sam has nominated you for Technician of the Year" in request
    assert "deserve to be seen" in request
    [nomination] = await nominations(harness)
    assert nomination.status == "awaiting" and nomination.nominator_id == people["sam"]

    # Only Ada may answer: a forged Accept from someone else is refused.
    forged = await harness.press("bob hide", "nominate.accept", str(nomination.id))
    assert forged.form is None and "isn't yours to answer" in forged.text
    opened = await harness.press("ada lovelace", "nominate.accept", str(nomination.id))
    assert opened.form is not None
    thanks = await harness.submit(
        "ada lovelace", opened.form, {"facts": "Twelve years running the NMR suite."}
    )
    assert "you're going forward for Technician of the Year" in thanks.text
    [nomination] = await nominations(harness)
    assert nomination.status == "accepted" and "NMR" in nomination.facts
    [told] = await outbox(harness, "nominate.answered:")
    assert told.member_id == people["sam"] and "accepted" in told.payload["text"]
    twice = await harness.press("ada lovelace", "nominate.accept", str(nomination.id))
    assert "already accepted" in twice.text
    again = await harness.submit("ada lovelace", opened.form, {"facts": "again"})
    assert "already accepted" in again.text


async def test_a_decline_is_kind_and_quiet(harness: Harness) -> None:
    people = await network(harness)
    await open_drive(harness)
    await nominate(harness, "sam", "Bob Hide", "Bob rebuilt the glassblowing workshop.")
    await nominate(harness, "cy", "Bob Hide", "Bob trained all our apprentices.")
    [nomination] = await nominations(harness)
    declined = await harness.press("bob hide", "nominate.decline", str(nomination.id))
    assert "withdrawn quietly" in declined.text
    assert await nominations(harness) == []  # the statements are gone
    told = await outbox(harness, "nominate.answered:")
    assert sorted(r.member_id for r in told) == sorted([people["sam"], people["cy"]])
    for row in told:
        text = row.payload["text"]
        assert "won't be going forward this time" in text and "glassblowing" not in text
    listing = await harness.say("sam", "nominate")
    assert "Your nominations" not in str(listing.messages)  # nothing of it is shown
    stale = await harness.press("bob hide", "nominate.accept", str(nomination.id))
    assert "no longer open" in stale.text


async def test_a_second_nomination_becomes_a_supporting_statement(harness: Harness) -> None:
    people = await network(harness)
    await open_drive(harness)
    await nominate(harness, "sam", "Ada Lovelace", "Ada built the cryo-EM booking system.")
    second = await nominate(harness, "bob hide", "Ada Lovelace", "Ada mentors half the floor.")
    # Not yet accepted: Bob is not told that anyone else nominated her.
    assert "is in" in second.text and "already nominated" not in second.text
    [nomination] = await nominations(harness)
    assert [s.supporter_id for s in nomination.supports] == [people["bob"]]
    assert nomination.supports[0].statement == "Ada mentors half the floor."
    assert len(await outbox(harness, "nominate.consent:")) == 1  # Ada is asked once
    repeat = await nominate(harness, "bob hide", "Ada Lovelace", "Once more.")
    assert "already nominated Ada Lovelace" in repeat.text
    repeat = await nominate(harness, "sam", "Ada Lovelace", "Once more.")
    assert "already nominated Ada Lovelace" in repeat.text
    [nomination] = await nominations(harness)
    assert len(nomination.supports) == 1 and "cryo-EM" in nomination.statement

    # Bob edits his supporting statement before the deadline.
    listing = await harness.say("bob hide", "nominate")
    opened = await harness.press("bob hide", listing.button("Edit"))
    assert (
        opened.form is not None and opened.form.inputs[0].initial == "Ada mentors half the floor."
    )
    await harness.submit("bob hide", opened.form, {"statement": "Ada mentors the whole floor."})
    [nomination] = await nominations(harness)
    assert nomination.supports[0].statement == "Ada mentors the whole floor."
    assert "cryo-EM" in nomination.statement
    # Someone else cannot edit it, whatever the button says.
    forged = await harness.press("cy", "nominate.edit", f"s{nomination.supports[0].id}")
    assert forged.form is None and "among yours" in forged.text


async def test_bad_input_is_refused_clearly_and_nothing_is_lost(harness: Harness) -> None:
    await network(harness)
    await open_drive(harness)
    too_long = " ".join(["word"] * 61)
    over = await nominate(harness, "sam", "Ada Lovelace", too_long)
    assert "61 words and the limit is 50" in over.errors["statement"]
    assert over.form is not None
    kept = {i.name: i.initial for i in over.form.inputs}
    assert kept["statement"] == too_long and kept["colleague"] == "Ada Lovelace"
    myself = await nominate(harness, "sam", "Sam")
    assert "doesn't take self-nominations" in myself.errors["colleague"]
    stranger = await nominate(harness, "sam", "Nobody Known")
    assert "can't find a member" in stranger.errors["colleague"]
    both = await nominate(harness, "sam", "Panel")
    assert "Several members match" in both.errors["colleague"]
    assert await nominations(harness) == []
    # After the internal deadline: closed, kindly.
    opened = await harness.press("sam", (await harness.say("sam", "nominate")).button("Nominate"))
    harness.runtime.clock.advance(timedelta(days=19))  # type: ignore[attr-defined]
    late = await harness.submit(
        "sam", opened.form, {"colleague": "Ada Lovelace", "statement": "Brilliant."}
    )
    assert "closed on" in late.text
    listing = await harness.say("sam", "nominate")
    assert "No award drive is taking nominations" in listing.text
    assert await nominations(harness) == []


async def test_eligibility_checks_and_self_nomination_where_allowed(harness: Harness) -> None:
    people = await network(harness)
    await open_drive(
        harness,
        {"name": "Technician of the Year"},
        {"name": "Northmoor Star", "institutions": [str(people["north"])], "self_nomination": True},
    )
    wrong = await nominate(harness, "sam", "Bob Hide", category="Northmoor Star")
    assert "open to members of University of Northmoor only" in wrong.errors["colleague"]
    mine = await nominate(harness, "sam", "Sam", "I ran the outreach week.", "Northmoor Star")
    assert "self-nomination" in mine.text
    [nomination] = await nominations(harness)
    assert nomination.status == "accepted"  # no need to ask Sam's consent
    assert await outbox(harness, "nominate.consent:") == []
