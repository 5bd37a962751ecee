"""Meeting nudges over a pair's life, by the clock: the mentee books; the mentor never chases."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import jobs
from bot.clock import FixedClock
from bot.harness import Harness
from bot.root import create_runtime
from handlers.mentoring import schedule
from store.mentoring import queries as store
from store.mentoring.models import Relationship
from store.models import OutboxMessage
from tests.conftest import settings_for
from tests.mentoring_network import buttons_of, join, member_id, outbox_for, paired, text_of
from tests.outbox_fakes import RecordingSender, recording

AGREEMENT = {
    "objectives": "Submit my RSciTech application",
    "cadence": "every 4 weeks",
    "format": "online",
    "confidentiality": "What we discuss stays between us.",
    "months": "9",
}
START = date(2026, 3, 2)  # the harness clock's Monday


async def on_day(harness: Harness, day: date, hour: int = 10) -> dict[str, int]:
    """Everything due at `hour` o'clock (UTC) on `day`, as `benchmate tick --now` would run it."""
    now = datetime(day.year, day.month, day.day, hour, tzinfo=harness.runtime.clock.now().tzinfo)
    harness.runtime.clock.set(now)  # type: ignore[attr-defined]
    return await jobs.run_all(harness.runtime, now)


async def agreed_and_met(
    harness: Harness, first_meeting: date, cadence: str = "every 4 weeks"
) -> int:
    relationship_id = await paired(harness)
    form = (await harness.say("priya", "mentor agreement")).form
    assert form is not None
    await harness.submit("priya", form, AGREEMENT | {"cadence": cadence})
    await on_day(harness, first_meeting)
    log = (await harness.say("farah", "mentor log")).form
    assert log is not None
    fields = {"held_on": first_meeting.isoformat(), "happened": "yes"}
    assert "Meeting logged" in (await harness.submit("farah", log, fields)).text
    return relationship_id


async def pair(harness: Harness) -> Relationship:
    async with harness.runtime.sessions() as session:
        found = await session.scalar(select(Relationship))
        assert found is not None
        return found


async def outbox_count(harness: Harness) -> int:
    async with harness.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def nudges_in(sender: RecordingSender) -> list[str]:
    return [key for key in sender.sent if key.startswith(("nudge:", "didyoumeet:"))]


async def test_a_pair_over_months_the_mentee_books_and_the_mentor_never_chases(
    harness: Harness,
) -> None:
    sender = recording(harness.runtime)
    # The months pass through every job, retention too: keep the outbox's history to read.
    harness.runtime.settings.benchmate_retain_outbox_days = 365
    first = START + timedelta(days=3)  # Thursday 5 March
    relationship_id = await agreed_and_met(harness, first)

    # Every 4 weeks, nudged a week ahead: nothing for three weeks, then one nudge to Priya.
    for offset in range(1, 21):
        await on_day(harness, first + timedelta(days=offset))
    assert nudges_in(sender) == []
    await on_day(harness, first + timedelta(days=21))
    assert nudges_in(sender) == [f"nudge:{relationship_id}:1"]
    nudge = (await outbox_for(harness, "priya", "nudge:"))[0]
    assert "time to book your next meeting with Farah" in text_of(nudge)
    assert [b["label"] for b in buttons_of(nudge)] == [
        "I've booked it",
        "Remind me next week",
        "We've finished",
    ]

    # Re-running the same tick changes nothing.
    before = await outbox_count(harness)
    assert (await on_day(harness, first + timedelta(days=21)))["mentoring"] == 0
    assert await outbox_count(harness) == before

    # She books a date; no more nudges; the day after, "Did you meet Farah?".
    booked = buttons_of(nudge)[0]
    form = (await harness.press("priya", booked["action_id"], booked["value"])).form
    assert form is not None and form.form_id == "mentor.booked"
    meeting = first + timedelta(days=26)  # Tuesday 31 March
    saved = await harness.submit("priya", form, {"day": meeting.isoformat()})
    assert "Tuesday 31 March is in the diary" in saved.text
    for offset in range(22, 27):
        await on_day(harness, first + timedelta(days=offset))
    assert nudges_in(sender) == [f"nudge:{relationship_id}:1"]
    await on_day(harness, meeting + timedelta(days=1))
    check = (await outbox_for(harness, "priya", "didyoumeet:"))[0]
    assert "Did you meet Farah on Tuesday 31 March?" in text_of(check)
    assert f"didyoumeet:{relationship_id}:{meeting}" in sender.sent

    # Yes opens the meeting log for that date; logging it starts the next cycle.
    yes = buttons_of(check)[0]
    log = (await harness.press("priya", yes["action_id"], yes["value"])).form
    assert log is not None and log.form_id == "mentor.log"
    held = {field.name: field.initial for field in log.inputs}["held_on"]
    assert held == meeting.isoformat()
    assert (
        "Meeting logged"
        in (await harness.submit("priya", log, {"held_on": held, "happened": "yes"})).text
    )
    again = await harness.press("priya", yes["action_id"], yes["value"])
    assert "logged already" in again.text and again.form is None
    after = await pair(harness)
    assert after.cycle == 2 and after.last_meeting_on == meeting
    assert after.nudge_due_on == meeting + timedelta(days=21)

    await on_day(harness, meeting + timedelta(days=21))
    assert nudges_in(sender)[-1] == f"nudge:{relationship_id}:2"
    to_mentor = await outbox_for(harness, "farah")
    assert to_mentor and all(row.kind != "nudge" for row in to_mentor)


async def test_snooze_moves_the_nudge_a_week_and_pressing_twice_is_one_snooze(
    harness: Harness,
) -> None:
    recording(harness.runtime)
    first = START + timedelta(days=3)
    relationship_id = await agreed_and_met(harness, first)
    nudge_day = first + timedelta(days=21)
    await on_day(harness, nudge_day)
    nudge = (await outbox_for(harness, "priya", "nudge:"))[0]
    snooze = buttons_of(nudge)[1]
    for _ in range(2):
        turn = await harness.press("priya", snooze["action_id"], snooze["value"])
        assert "I'll remind you again on Thursday 2 April" in turn.text
    assert (await pair(harness)).nudge_due_on == nudge_day + timedelta(days=7)
    for offset in range(1, 7):
        await on_day(harness, nudge_day + timedelta(days=offset))
    assert len(await outbox_for(harness, "priya", "nudge:")) == 1
    await on_day(harness, nudge_day + timedelta(days=7))
    keys = [row.key for row in await outbox_for(harness, "priya", "nudge:")]
    assert keys == [f"nudge:{relationship_id}:1", f"nudge:{relationship_id}:1.1"]
    assert (await pair(harness)).missed_cycles == 0  # a snooze is not a miss

    finished = buttons_of(nudge)[2]
    exit_form = (await harness.press("priya", finished["action_id"], finished["value"])).form
    assert exit_form is not None and exit_form.form_id == "mentor.end"


async def test_no_it_did_not_happen_counts_a_missed_cycle_once(harness: Harness) -> None:
    recording(harness.runtime)
    first = START + timedelta(days=3)
    await agreed_and_met(harness, first)
    form = (await harness.press("priya", "mentor.booked", str((await pair(harness)).id))).form
    assert form is not None
    meeting = first + timedelta(days=14)
    await harness.submit("priya", form, {"day": meeting.isoformat()})
    await on_day(harness, meeting + timedelta(days=1))
    check = (await outbox_for(harness, "priya", "didyoumeet:"))[0]
    no = buttons_of(check)[1]
    answer = await harness.press("priya", no["action_id"], no["value"])
    assert "these things happen" in answer.text and answer.buttons[0].label == "I've booked it"
    twice = await harness.press("priya", no["action_id"], no["value"])
    assert "no longer works" in twice.text
    after = await pair(harness)
    assert after.missed_cycles == 1 and after.next_meeting_on is None


async def test_quiet_pairs_reach_their_coordinator_in_one_digest(harness: Harness) -> None:
    sender = recording(harness.runtime)
    await paired(harness)  # Priya and Farah, no meeting ever logged
    ids = {"scheme": (await pair(harness)).scheme_id}
    await join(harness, "sam", None, "mentee", specialisms="lc-ms")
    await join(harness, "lee", None, "mentor", specialisms="lc-ms", capacity="1")
    form = (await harness.press("sam", "mentor.request", str(await member_id(harness, "lee")))).form
    assert form is not None
    await harness.submit("sam", form, {"message": "Hello"})
    await harness.press("lee", (await harness.say("lee", "mentor status")).button("Accept"))
    assert ids["scheme"]

    silent_from = START + timedelta(weeks=6)
    await on_day(harness, silent_from - timedelta(days=1))
    assert not await outbox_for(harness, "morgan", "stalled:")
    await on_day(harness, silent_from)
    await on_day(harness, silent_from, hour=15)  # a second sweep the same day adds nothing
    digests = await outbox_for(harness, "morgan", "stalled:")
    assert len(digests) == 1
    text = text_of(digests[0])
    assert "2 mentoring pairs have gone quiet" in text
    assert "Priya (mentee) and Farah (mentor)" in text and "Sam (mentee) and Lee (mentor)" in text
    assert digests[0].key in sender.sent
    for handle in ("priya", "farah", "sam", "lee"):
        assert not await outbox_for(harness, handle, "stalled:")
    await on_day(harness, silent_from + timedelta(days=7))
    assert len(await outbox_for(harness, "morgan", "stalled:")) == 1  # reported once
    report = (await harness.say("morgan", "mentor report")).text
    assert "Stalled (no meeting for a while): Priya with Farah; Sam with Lee" in report


async def test_two_missed_cycles_stall_a_pair_the_next_morning(harness: Harness) -> None:
    recording(harness.runtime)
    first = START + timedelta(days=3)
    await agreed_and_met(harness, first, cadence="every 2 weeks")
    day = first
    while (await pair(harness)).missed_cycles < 2:
        day += timedelta(days=1)
        await on_day(harness, day)
    assert not await outbox_for(harness, "morgan", "stalled:")
    keys = [row.key for row in await outbox_for(harness, "priya", "nudge:")]
    assert len(keys) == 3 and len(set(keys)) == 3
    assert "been a while since you and Farah met" in text_of(
        (await outbox_for(harness, "priya", "nudge:"))[-1]
    )
    await on_day(harness, day + timedelta(days=1))
    digest = (await outbox_for(harness, "morgan", "stalled:"))[0]
    assert "2 missed cycles" in text_of(digest)
    assert day + timedelta(days=1) < first + timedelta(weeks=6)  # before silence would tell


async def test_mute_is_honoured_even_for_a_nudge_already_queued(harness: Harness) -> None:
    sender = recording(harness.runtime)
    first = START + timedelta(days=3)
    relationship_id = await agreed_and_met(harness, first)
    nudge_day = first + timedelta(days=21)
    # Queued in the small hours, held by quiet hours until nine.
    await on_day(harness, nudge_day, hour=3)
    assert await outbox_for(harness, "priya", "nudge:") and not nudges_in(sender)
    assert "no more meeting reminders" in (await harness.say("priya", "mentor mute")).text
    await on_day(harness, nudge_day, hour=10)
    row = (await outbox_for(harness, "priya", "nudge:"))[0]
    assert row.status == "skipped" and "muted" in (row.last_error or "")
    assert nudges_in(sender) == []
    assert "nothing for you to chase" in (await harness.say("farah", "mentor mute")).text

    await harness.say("priya", "mentor unmute")
    booked = await harness.press("priya", "mentor.booked", str(relationship_id))
    assert booked.form is not None


async def test_only_the_mentee_answers_nudges(harness: Harness) -> None:
    recording(harness.runtime)
    relationship_id = await agreed_and_met(harness, START + timedelta(days=3))
    for action in ("mentor.booked", "mentor.snooze", "mentor.met", "mentor.notmet"):
        mentor = await harness.press("farah", action, str(relationship_id))
        assert "nothing for you to chase" in mentor.text and mentor.form is None
        outsider = await harness.press("mallory", action, str(relationship_id))
        assert "can't find that mentoring relationship" in outsider.text
    form = (await harness.press("priya", "mentor.booked", str(relationship_id))).form
    assert form is not None
    past = await harness.submit("priya", form, {"day": "2026-01-01"})
    assert "That date has passed" in past.errors["day"]
    assert (await pair(harness)).next_meeting_on is None


def test_cadence_comes_from_the_agreement_or_the_scheme() -> None:
    class Scheme:
        cadence_weeks, nudge_lead_days, stall_missed_cycles, stall_weeks = 6, 7, 2, 6

    assert schedule.rules_for("every 2 weeks", Scheme()).cadence == timedelta(weeks=2)
    assert schedule.rules_for(None, Scheme()).cadence == timedelta(weeks=6)
    assert schedule.rules_for("monthly-ish", Scheme()).cadence == timedelta(weeks=6)
    short = Scheme()
    short.nudge_lead_days = 30
    # A lead longer than the cadence still nudges after the meeting it follows.
    assert schedule.rules_for("every 2 weeks", short).lead == timedelta(days=13)


async def test_a_new_scheme_cadence_moves_running_pairs_without_their_own(
    harness: Harness,
) -> None:
    recording(harness.runtime)
    first = START + timedelta(days=3)
    await agreed_and_met(harness, first, cadence="every 4 weeks")
    async with harness.runtime.sessions() as session, session.begin():
        relationship = await session.scalar(select(Relationship))
        assert relationship is not None
        relationship.agreed_cadence = None  # the pair follows the scheme's default
    form = (await harness.say("morgan", "mentor scheme edit cims")).form
    assert form is not None
    fields = {field.name: field.initial for field in form.inputs} | {"cadence_weeks": "2"}
    saved = await harness.submit("morgan", form, fields)
    assert not saved.errors, saved.errors
    after = await pair(harness)
    assert after.cycle_due_on == first + timedelta(weeks=2)
    assert after.nudge_due_on == first + timedelta(weeks=2) - timedelta(days=7)


async def test_two_workers_sweeping_at_once_nudge_once(harness: Harness, database_url: str) -> None:
    first = START + timedelta(days=3)
    relationship_id = await agreed_and_met(harness, first)
    nudge_at = datetime.combine(first + timedelta(days=21), time(10), UTC)
    workers = [
        create_runtime(settings_for(database_url), clock=FixedClock(nudge_at)) for _ in range(2)
    ]
    try:
        job = harness.runtime.router.jobs["mentoring"]
        counts = await asyncio.gather(*(job.run(worker, nudge_at) for worker in workers))
    finally:
        for worker in workers:
            await worker.close()
    assert sorted(counts) == [0, 1]  # racing, yet one message
    keys = [row.key for row in await outbox_for(harness, "priya", "nudge:")]
    assert keys == [f"nudge:{relationship_id}:1"]
    assert (await pair(harness)).nudges_this_cycle == 1


async def test_a_missed_cycle_and_its_fresh_nudge_write_the_pair_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One sweep works out all of a pair's steps, then writes its row once: the missed
    cycle, the nudge it starts and the digest it leads to are one update, not three."""
    recording(harness.runtime)
    first = START + timedelta(days=3)
    relationship_id = await agreed_and_met(harness, first, cadence="every 2 weeks")
    written: list[int] = []
    apply_changes = store.apply_changes

    async def counted(session: Any, changes: dict[int, dict[str, Any]]) -> None:
        written.extend(changes)
        await apply_changes(session, changes)

    monkeypatch.setattr(store, "apply_changes", counted)
    day = first
    while (await pair(harness)).missed_cycles < 1:
        day += timedelta(days=1)
        written.clear()
        await on_day(harness, day)
    assert written == [relationship_id]  # missed, and nudged again at once: one write
    state = await pair(harness)
    assert state.nudge_due_on is None and state.nudges_this_cycle == 1
    assert state.cycle_due_on == day + timedelta(weeks=2)
    nudges = await outbox_for(harness, "priya", "nudge:")
    assert nudges[-1].key == f"nudge:{relationship_id}:{state.cycle}"
    assert "been a while since you and Farah met" in text_of(nudges[-1])
