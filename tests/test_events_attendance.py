"""After the event: attendance (marked or checked in), anonymous feedback, impact figures."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import jobs
from bot.clock import FixedClock
from bot.harness import Harness
from store.events.models import EventFeedback
from tests.events_network import announce, person, place, rows, rsvp
from tests.outbox_fakes import recording


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def test_attendance_checkin_feedback_and_reports(harness: Harness, clock: FixedClock) -> None:
    recording(harness.runtime)
    north, south = await place(harness, "northmoor"), await place(harness, "southby")
    await person(harness, "dan", institution=north, roles=["champion"])
    going = [f"m{n}" for n in range(6)]
    for n, handle in enumerate(going):
        await person(harness, handle, institution=north if n < 4 else south)
    await person(harness, "walkin", institution=south)
    await person(harness, "stranger")
    event = await announce(harness, "dan")
    for handle in going:
        await rsvp(harness, handle, event, "going")

    early = await harness.say("dan", "event attendance")
    assert "hasn't started yet" in early.text
    code = event.checkin_code
    assert code and len(code) == 6
    assert (
        "opens half an hour before" in (await harness.say("walkin", f"event checkin {code}")).text
    )

    clock.set(at("2026-03-10T14:10"))
    assert "don't recognise" in (await harness.say("walkin", "event checkin NOPE42")).text
    checked = await harness.say("walkin", f"event checkin {code.lower()}")
    assert "You're checked in" in checked.text
    assert "already checked in" in (await harness.say("walkin", f"event checkin {code}")).text

    opened = await harness.say("dan", "event attendance")
    assert opened.form is not None
    options = opened.form.inputs[0].options
    assert [o.label for o in options] == sorted(h.title() for h in going)
    ticked = [o.value for o in options[:5]]
    saved = await harness.submit("dan", opened.form, {"came": ticked})
    assert "Saved: 6 people came" in saved.text  # five ticked, one checked in

    clock.set(at("2026-03-10T16:40"))
    await jobs.run_all(harness.runtime, clock.now())
    asked = await rows(harness, f"event.feedback:{event.id}:")
    assert len(asked) == 6 and {r.status for r in asked} == {"sent"}

    refused = await harness.press("stranger", "event.feedback", str(event.id))
    assert "older message" in refused.text
    for n, handle in enumerate(["m0", "m1", "m2", "m3"]):
        form = (await harness.press(handle, "event.feedback", str(event.id))).form
        assert form is not None
        done = await harness.submit(handle, form, {"score": str(5 - n % 2), "comment": "Great kit"})
        assert "no name attached" in done.text
    again = await harness.press("m0", "event.feedback", str(event.id))
    assert "already given feedback" in again.text

    report = await harness.press("dan", "event.report", str(event.id))
    assert "6 came. Feedback is open until Tuesday 24 March" in report.text
    assert "(4 answered so far)" in report.text and "Average" not in str(report.messages)
    form = (await harness.press("walkin", "event.feedback", str(event.id))).form
    assert form is not None
    await harness.submit("walkin", form, {"score": "3"})
    report = await harness.press("dan", "event.report", str(event.id))
    assert "Average" not in str(report.messages)  # still open: nothing moves in front of anyone

    clock.set(at("2026-03-24T16:00"))
    report = await harness.press("dan", "event.report", str(event.id))
    shown = str(report.messages)
    assert "6 came. 5 people gave feedback." in report.text
    assert "4.2 out of 5 (5 answers)" in shown
    assert "Great kit" not in shown and "at least 10 people wrote one" in shown

    network = await harness.say("dan", "event report")
    assert "1 events held, 6 attendances." in network.text
    assert "University of Northmoor: 4" in network.text
    assert "University of Southby: 2" in network.text


def test_feedback_is_stored_without_a_member_link() -> None:
    assert set(EventFeedback.__table__.columns.keys()) == {"id", "event_id", "score", "comment"}


async def test_unticking_removes_a_champions_mark(harness: Harness, clock: FixedClock) -> None:
    sender = recording(harness.runtime)
    await person(harness, "dan", roles=["champion"])
    await person(harness, "ann")
    event = await announce(harness, "dan")
    await rsvp(harness, "ann", event, "going")
    clock.set(at("2026-03-10T16:00"))
    opened = await harness.say("dan", "event attendance")
    assert opened.form is not None
    await harness.submit("dan", opened.form, {"came": [opened.form.inputs[0].options[0].value]})
    reopened = await harness.say("dan", "event attendance")
    assert reopened.form is not None and reopened.form.inputs[0].initial
    saved = await harness.submit("dan", reopened.form, {"came": []})
    assert "Saved: 0 people came" in saved.text
    await jobs.run_all(harness.runtime, at("2026-03-10T17:00"))
    [asked] = await rows(harness, f"event.feedback:{event.id}:")
    assert asked.status == "skipped" and "no longer marked" in (asked.last_error or "")
    assert not [key for key in sender.sent if key.startswith("event.feedback")]
