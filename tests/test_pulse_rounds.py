"""Rounds by the clock: three numbered rounds, reminders to those who have not answered
only, answering after close refused kindly, and the receipts kept apart from the answers
on the database rows themselves (SQLite rowid, PostgreSQL ctid and xmin)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from bot import jobs
from bot.clock import FixedClock
from bot.harness import Harness
from store.pulse.models import PulseAnswer, PulseComment, PulseReceipt, PulseTally
from store.pulse.queries import owner_tag
from tests.events_network import member_ids, person, rows
from tests.outbox_fakes import recording
from tests.pulse_network import answer, network, rounds, send


async def ids_of(harness: Harness, handles: list[str]) -> list[int]:
    from store.members import member_by_handle

    async with harness.runtime.sessions() as session:
        found = [await member_by_handle(session, handle) for handle in handles]
    return sorted(m.id for m in found if m)


async def test_three_rounds_by_the_clock_with_reminders_to_non_responders(
    harness: Harness, clock: FixedClock
) -> None:
    recording(harness.runtime)
    members = await network(harness, members=6)
    survey = await send(harness, repeat="2", rounds="3", open_days="7", reminders="3, 5")
    first, second, third = await rounds(harness, survey.id)
    assert [r.status for r in (first, second, third)] == ["open", "scheduled", "scheduled"]
    assert second.opens_at - first.opens_at == timedelta(weeks=2)
    start = clock.now()

    await answer(harness, members[0], first.id)
    await answer(harness, members[1], first.id)
    clock.set(start + timedelta(days=3, minutes=1))
    await jobs.run_all(harness.runtime, clock.now())
    reminded = await member_ids(harness, f"pulse.remind:{first.id}:3:")
    everyone = await ids_of(harness, ["grace", *members])
    answered = await ids_of(harness, members[:2])
    assert reminded == sorted(set(everyone) - set(answered))

    await answer(harness, members[2], first.id)
    clock.set(start + timedelta(days=5, minutes=1))
    await jobs.run_all(harness.runtime, clock.now())
    await jobs.run_all(harness.runtime, clock.now())  # a second tick reminds nobody again
    day5 = await member_ids(harness, f"pulse.remind:{first.id}:5:")
    assert day5 == sorted(set(everyone) - set(await ids_of(harness, members[:3])))

    clock.set(start + timedelta(days=7, minutes=1))
    await jobs.run_all(harness.runtime, clock.now())
    first, second, third = await rounds(harness, survey.id)
    assert first.status == "closed" and first.respondents == 3 and first.seal is None
    late = await harness.press(members[3], "pulse.answer", str(first.id))
    assert late.form is None and "closed on Monday 9 March" in late.text
    assert "thank you" in late.text

    for number, this in ((2, second), (3, third)):
        clock.set(this.opens_at + timedelta(minutes=1))
        await jobs.run_all(harness.runtime, clock.now())
        invited = await member_ids(harness, f"pulse.invite:{this.id}:")
        assert invited == everyone, number
        await answer(harness, members[number], this.id)
        clock.set(this.opens_at + timedelta(days=3, minutes=1))
        await jobs.run_all(harness.runtime, clock.now())
        reminded = await member_ids(harness, f"pulse.remind:{this.id}:3:")
        assert reminded == sorted(set(everyone) - set(await ids_of(harness, [members[number]])))
        clock.set(this.closes_at + timedelta(minutes=1))
        await jobs.run_all(harness.runtime, clock.now())
    assert [r.status for r in await rounds(harness, survey.id)] == ["closed"] * 3
    sent = await rows(harness, "pulse.")
    assert {r.status for r in sent} == {"sent"}


async def test_receipts_and_answers_do_not_line_up_on_the_rows(
    harness: Harness, clock: FixedClock
) -> None:
    members = await network(harness, members=12)
    survey = await send(harness)
    [first] = await rounds(harness, survey.id)
    for handle in members:
        await answer(harness, handle, first.id, q5=f"note from {handle}")
    async with harness.runtime.sessions() as session:
        columns = set(PulseAnswer.__table__.columns.keys())
        assert columns == {"id", "round_id", "tag", "institution_id", "role", "answers"}
        receipts = list(await session.scalars(select(PulseReceipt)))
        assert len(receipts) == 12
        answers = list(await session.scalars(select(PulseAnswer)))
        ids = {r.member_id for r in receipts}
        for row in answers:
            assert len(row.id) == 32 and not row.id.isdigit()
            assert all(str(i) not in (row.id, row.tag) for i in ids)
            assert set(row.answers) == {"q1", "q2", "q3", "q4", "q5"}  # no time, no member
        # The tag is a keyed hash: without the round's seal it names nobody.
        assert {owner_tag("00" * 32, i) for i in ids}.isdisjoint({a.tag for a in answers})

        backend = session.get_bind().dialect.name
        if backend == "sqlite":
            # No rowid at all: rows sit in random-id order, not in the order written.
            problem = None
            try:
                await session.execute(text("SELECT rowid FROM pulse_answers"))
            except Exception as error:
                problem = error
            assert problem is not None and "rowid" in str(problem)
    # The tick rewrites the round's answers in a random order, in one transaction.
    await jobs.run_all(harness.runtime, clock.now())
    async with harness.runtime.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            answer_xmins = set(await session.scalars(text("SELECT xmin::text FROM pulse_answers")))
            receipt_xmins = set(
                await session.scalars(text("SELECT xmin::text FROM pulse_receipts"))
            )
            assert len(answer_xmins) == 1 and answer_xmins.isdisjoint(receipt_xmins)
        written = [
            row.answers["q5"]
            for row in await session.scalars(select(PulseAnswer).order_by(PulseAnswer.id))
        ]
        assert written != [f"note from {h}" for h in members]  # stored order ≠ answer order
        # On PostgreSQL the physical order too
        if session.get_bind().dialect.name == "postgresql":
            physical = list(
                await session.scalars(
                    text("SELECT answers->>'q5' FROM pulse_answers ORDER BY ctid")
                )
            )
            assert physical != [f"note from {h}" for h in members]

    clock.set(first.closes_at + timedelta(minutes=1))
    await jobs.run_all(harness.runtime, clock.now())
    async with harness.runtime.sessions() as session:
        assert list(await session.scalars(select(PulseAnswer))) == []  # sealed: rows gone
        comments = list(await session.scalars(select(PulseComment)))
        assert set(PulseComment.__table__.columns.keys()) == {"id", "round_id", "question", "text"}
        assert sorted(c.text for c in comments) == sorted(f"note from {h}" for h in members)
        tallies = list(await session.scalars(select(PulseTally)))
        assert sum(t.count for t in tallies if t.question == "") == 12
    mine = await harness.press(members[0], "pulse.mine", str(first.id))
    assert "sealed" in mine.text and "note from" not in mine.text


async def test_answers_from_outside_the_audience_are_refused(harness: Harness) -> None:
    members = await network(harness)
    outsider = await person(harness, "ola")
    assert outsider
    survey = await send(harness, audience="chosen", roles=["champion"])
    [first] = await rounds(harness, survey.id)
    refused = await harness.press(members[0], "pulse.answer", str(first.id))
    assert refused.form is None and "isn't open to you" in refused.text
