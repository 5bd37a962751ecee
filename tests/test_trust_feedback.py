"""Event feedback against a determined reader: closed windows, one answer a person, nothing
at rest that lines an answer up with who gave it (issue 13, items 1, 2 and 4)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot import jobs
from bot.clock import FixedClock
from bot.harness import Harness
from tests.events_network import announce, person, rsvp
from tests.outbox_fakes import recording


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


async def attended(harness: Harness, clock: FixedClock, people: list[str]) -> int:
    """An event that `people` went to, now over (the fixtures' event ends 10 March, 16:00)."""
    recording(harness.runtime)
    await person(harness, "dan", roles=["champion"])
    for handle in people:
        await person(harness, handle)
    event = await announce(harness, "dan")
    for handle in people:
        await rsvp(harness, handle, event, "going")
    clock.set(at("2026-03-10T14:10"))
    opened = await harness.say("dan", "event attendance")
    assert opened.form is not None
    await harness.submit(
        "dan", opened.form, {"came": [o.value for o in opened.form.inputs[0].options]}
    )
    clock.set(at("2026-03-10T16:40"))
    return event.id


async def give(harness: Harness, handle: str, event_id: int, score: int, comment: str = "") -> str:
    turn = await harness.press(handle, "event.feedback", str(event_id))
    if turn.form is None:
        return turn.text
    return (await harness.submit(handle, turn.form, {"score": str(score), "comment": comment})).text


async def test_a_reader_cannot_difference_the_sixth_answer(
    harness: Harness, clock: FixedClock
) -> None:
    people = [f"m{n}" for n in range(7)]
    event_id = await attended(harness, clock, people)
    for handle in people[:5]:
        await give(harness, handle, event_id, 4)
    before = str((await harness.press("dan", "event.report", str(event_id))).messages)
    await give(harness, "m5", event_id, 1)
    after = str((await harness.press("dan", "event.report", str(event_id))).messages)
    assert "Average" not in before and "Average" not in after  # open: nothing to subtract
    clock.set(at("2026-03-24T16:00"))
    closed = str((await harness.press("dan", "event.report", str(event_id))).messages)
    assert "3.5 out of 5 (6 answers)" in closed
    assert "has closed" in await give(harness, "m6", event_id, 5)
    clock.set(at("2026-04-30T09:00"))
    await jobs.run_all(harness.runtime, clock.now())  # sealing changes nothing shown
    assert str((await harness.press("dan", "event.report", str(event_id))).messages) == closed


async def test_unticking_and_ticking_again_never_gives_a_second_answer(
    harness: Harness, clock: FixedClock
) -> None:
    event_id = await attended(harness, clock, ["ann", "bob"])
    assert "no name attached" in await give(harness, "ann", event_id, 5)
    for came in ([], None):
        opened = await harness.say("dan", "event attendance")
        assert opened.form is not None
        ticked = [o.value for o in opened.form.inputs[0].options] if came is None else came
        await harness.submit("dan", opened.form, {"came": ticked})
    assert "already given feedback" in await give(harness, "ann", event_id, 5)
    async with harness.runtime.sessions() as session:
        answers = await session.scalar(text("SELECT count(*) FROM event_feedback"))
    assert answers == 1


async def test_answers_at_rest_line_up_with_nobody(harness: Harness, clock: FixedClock) -> None:
    people = [f"m{n}" for n in range(12)]
    event_id = await attended(harness, clock, people)
    for n, handle in enumerate(people):
        await give(harness, handle, event_id, 1 + n % 5, comment=f"comment {n:02}")
    engine = harness.runtime.sessions.kw["bind"]
    postgres = engine.dialect.name == "postgresql"
    order = "ctid" if postgres else "rowid"

    async def stored() -> tuple[list[str], list[tuple], list[tuple]]:
        async with harness.runtime.sessions() as session:
            comments = list(
                await session.scalars(text(f"SELECT comment FROM event_feedback ORDER BY {order}"))
            )
            answers = (
                await session.execute(text(f"SELECT * FROM event_feedback ORDER BY {order}"))
            ).all()
            receipts = (await session.execute(text("SELECT * FROM event_feedback_receipts"))).all()
        return comments, [tuple(r) for r in answers], [tuple(r) for r in receipts]

    written = [f"comment {n:02}" for n in range(12)]
    clock.set(at("2026-03-24T16:01"))
    await jobs.run_all(harness.runtime, clock.now())  # the window closed: answers sealed
    comments, answers, receipts = await stored()
    assert sorted(comments) == written
    assert comments != written, "answers lie in the order they were given"
    # No column of an answer holds a value that a receipt or a member id holds.
    async with harness.runtime.sessions() as session:
        member_ids = set(await session.scalars(text("SELECT id FROM members")))
    shared = {value for row in receipts for value in row} | member_ids
    for row in answers:
        answer_id, answer_event = row[0], row[1]
        assert answer_event == event_id and answer_id not in shared
    if postgres:
        async with harness.runtime.sessions() as session:
            written_in = set(await session.scalars(text("SELECT xmin::text FROM event_feedback")))
            receipts_in = set(
                await session.scalars(text("SELECT xmin::text FROM event_feedback_receipts"))
            )
        assert len(written_in) == 1 and not written_in & receipts_in
