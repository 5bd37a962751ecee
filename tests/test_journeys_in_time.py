"""Journeys over time: snoozes that skip bank holidays, the end of a pair's time, evaluations
and the dashboard's next steps, paused mentors, and a demo network on working days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.harness import Harness
from handlers.mentoring import schedule
from handlers.mentoring.matching import WEIGHTS
from store.mentoring.models import Relationship
from store.models import Member
from tests.mentoring_network import join, member_id, network, outbox_for, paired
from tests.test_nudges import START, agreed_and_met, on_day, pair


def test_remind_me_next_week_never_lands_on_a_bank_holiday() -> None:
    christmas = date(2026, 12, 25)
    again = schedule.after_snooze(christmas, None)["nudge_due_on"]
    assert again == date(2027, 1, 4)  # not New Year's Day, nor the weekend after it
    assert schedule.after_snooze(date(2026, 3, 2), None)["nudge_due_on"] == date(2026, 3, 9)


async def test_the_end_of_a_pairs_time_brings_the_end_evaluation_and_no_booking_nudge(
    harness: Harness,
) -> None:
    first = START + timedelta(days=3)
    relationship_id = await agreed_and_met(harness, first)
    end_day = first + timedelta(days=21)  # the day the next booking nudge is due
    async with harness.runtime.sessions() as session, session.begin():
        relationship = await session.get(Relationship, relationship_id)
        assert relationship is not None and relationship.nudge_due_on == end_day
        relationship.midpoint_prompted_at = datetime(2026, 3, 3, tzinfo=UTC)  # not answered
        relationship.end_due_on = end_day
    await on_day(harness, end_day)
    assert await outbox_for(harness, "priya", f"mentor.eval:{relationship_id}:end")
    assert not await outbox_for(harness, "priya", "nudge:")
    status = await harness.say("priya", "mentor")
    assert "answer the end evaluation" in status.text and "mid-point" not in status.text
    form = (await harness.press("priya", status.button("Answer the end evaluation"))).form
    assert form is not None and "so far" not in form.inputs[0].label
    typed = await harness.say("priya", "mentor evaluation")
    assert typed.form is not None and typed.form.form_id == "mentor.evaluate"
    for _ in range(30):
        end_day += timedelta(days=1)
        await on_day(harness, end_day)
    assert not await outbox_for(harness, "priya", "nudge:")


async def test_mentor_evaluation_says_when_nothing_is_waiting(harness: Harness) -> None:
    await paired(harness)
    turn = await harness.say("priya", "mentor evaluation")
    assert "no evaluation waiting" in turn.text


async def test_the_dashboard_offers_the_next_action_for_each_thing_in_flight(
    harness: Harness,
) -> None:
    await paired(harness)
    home = await harness.say("farah", "home")
    assert "Log a meeting" in [b.label for b in home.buttons]  # the first meeting is hers
    await on_day(harness, START)
    log = (await harness.press("farah", home.button("Log a meeting"))).form
    assert log is not None
    await harness.submit("farah", log, {"held_on": START.isoformat(), "happened": "yes"})
    mentee_home = await harness.say("priya", "home")
    assert "Fill in the agreement" in [b.label for b in mentee_home.buttons]
    newcomer = await harness.say("newcomer", "home")
    labels = [b.label for b in newcomer.buttons]
    assert "Set up my mentoring profile" in labels and "Upcoming events" in labels
    assert "Type help" not in newcomer.text


async def test_what_mentor_says_fits_who_asks(harness: Harness) -> None:
    ids = await network(harness)
    await join(harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms")
    said = (await harness.say("farah", "mentor")).text
    assert "look for a mentor" not in said and "when a mentee asks you" in said
    async with harness.runtime.sessions() as session, session.begin():
        from sqlalchemy import update

        from store.mentoring.models import Scheme

        await session.execute(update(Scheme).values(self_select=False))
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    said = (await harness.say("priya", "mentor")).text
    assert "Find a mentor" not in said and "matches mentees with mentors" in said


async def test_a_mentor_who_paused_every_message_is_not_suggested(harness: Harness) -> None:
    ids = await network(harness)
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    await join(harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms")
    await join(harness, "hannah", ids["easterby"], "mentor", specialisms="lc-ms")
    await harness.say("farah", "privacy pause")
    found = await harness.say("priya", "mentor find")
    assert "Hannah" in found.text and "Farah" not in found.text
    asked = await harness.press("priya", "mentor.request", str(await member_id(harness, "farah")))
    assert asked.form is None and "paused" in asked.text


async def test_the_demo_network_holds_events_on_working_days(harness: Harness) -> None:
    from store import demo
    from store.events.models import Event

    async with harness.runtime.sessions() as session, session.begin():
        counts = await demo.seed(session, datetime(2026, 12, 4, 14, 0, tzinfo=UTC), WEIGHTS)
        assert counts["events"] >= 3
    async with harness.runtime.sessions() as session:
        from sqlalchemy import select

        events = list(await session.scalars(select(Event)))
        members = list(await session.scalars(select(Member)))
    assert members
    for event in events:
        day = event.starts_at.astimezone(UTC).date()
        assert day.weekday() < 5, (event.title, day)
        assert (day.month, day.day) not in ((12, 25), (12, 26), (1, 1)), (event.title, day)


async def test_a_mentor_is_reminded_the_day_before_a_request_lapses(harness: Harness) -> None:
    from tests.mentoring_network import ask

    ids = await network(harness)
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    await join(harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms")
    await ask(harness, "priya", "farah")  # three days to answer, from Monday 10:00
    await on_day(harness, START + timedelta(days=1))
    assert not await outbox_for(harness, "farah", "mentor.request_reminder:")
    await on_day(harness, START + timedelta(days=2), hour=11)
    await on_day(harness, START + timedelta(days=2), hour=12)
    [reminder] = await outbox_for(harness, "farah", "mentor.request_reminder:")
    assert "closes on Thursday 5 March" in reminder.payload["text"]


async def test_both_of_a_pair_are_reminded_the_day_before_a_booked_meeting(
    harness: Harness,
) -> None:
    first = START + timedelta(days=3)
    await agreed_and_met(harness, first)
    booked = first + timedelta(days=10)
    async with harness.runtime.sessions() as session, session.begin():
        relationship = await session.get(Relationship, (await pair(harness)).id)
        assert relationship is not None
        schedule.apply(relationship, schedule.after_booking(booked))
    await on_day(harness, booked - timedelta(days=2))
    assert not await outbox_for(harness, "priya", "meeting.reminder:")
    await on_day(harness, booked - timedelta(days=1))
    await on_day(harness, booked - timedelta(days=1), hour=14)
    for handle, other in (("priya", "Farah"), ("farah", "Priya")):
        [reminder] = await outbox_for(harness, handle, "meeting.reminder:")
        assert f"you're meeting {other} tomorrow" in reminder.payload["text"]
