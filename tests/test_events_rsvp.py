"""Answering: places, the waitlist and promotion in order, deadlines, races for the last place."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.harness import Harness
from store.events import queries as store
from store.events.models import EventRsvp
from tests.events_network import announce, member_ids, person, place, reload, rows, rsvp


async def answers(harness: Harness, event_id: int) -> dict[int, tuple[str, int | None]]:
    async with harness.runtime.sessions() as session:
        found = await session.scalars(select(EventRsvp).where(EventRsvp.event_id == event_id))
        return {r.member_id: (r.answer, r.position) for r in found}


async def test_full_event_waitlists_and_promotes_in_order(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    ids = {h: await person(harness, h) for h in ("ann", "ben", "cat", "dev", "eve")}
    event = await announce(harness, "dan", capacity="2")

    assert "You're going" in (await rsvp(harness, "ann", event, "going")).text
    await rsvp(harness, "ben", event, "going")
    cat = await rsvp(harness, "cat", event, "going")
    assert "on the waitlist — number 1 in line" in cat.text
    assert "number 2 in line" in (await rsvp(harness, "dev", event, "going")).text
    assert "already down as going" in (await rsvp(harness, "ann", event, "going")).text
    assert "doesn't hold a place" in (await rsvp(harness, "eve", event, "maybe")).text

    # Ann can't go: her place goes to Cat (first in line), who is told through the outbox.
    gave_up = await rsvp(harness, "ann", event, "not_going")
    assert "Your place goes to the next person" in gave_up.text
    assert await member_ids(harness, f"event.promoted:{event.id}:") == [ids["cat"]]
    [told] = await rows(harness, f"event.promoted:{event.id}:")
    assert "a place has come up" in told.payload["text"]
    now = await answers(harness, event.id)
    assert now[ids["cat"]][0] == "going" and now[ids["dev"]][0] == "waitlist"
    assert "number 1 in line" in (await rsvp(harness, "dev", event, "going")).text

    # Ben changes his mind to maybe: Dev moves up; answering again changes nothing more.
    await rsvp(harness, "ben", event, "maybe")
    await rsvp(harness, "ben", event, "maybe")
    assert (await answers(harness, event.id))[ids["dev"]][0] == "going"
    assert len(await rows(harness, f"event.promoted:{event.id}:")) == 2
    # Ben wants his place back, but it's full again: he waits.
    assert "waitlist" in (await rsvp(harness, "ben", event, "going")).text
    counts = await _counts(harness, event.id)
    assert counts == {"going": 2, "waitlist": 1, "maybe": 1, "not_going": 1}


async def test_raising_the_places_promotes_the_waitlist(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    handles = ("ann", "ben", "cat")
    for handle in handles:
        await person(harness, handle)
    event = await announce(harness, "dan", capacity="1")
    for handle in handles:
        await rsvp(harness, handle, event, "going")
    assert (await _counts(harness, event.id))["waitlist"] == 2
    opened = await harness.press("dan", "event.edit", str(event.id))
    assert opened.form is not None and opened.form.form_id == "event.edit"
    values = {i.name: i.initial for i in opened.form.inputs}
    saved = await harness.submit("dan", opened.form, {**values, "capacity": "2"})
    assert "places are now 2" in saved.text
    counts = await _counts(harness, event.id)
    assert (counts["going"], counts["waitlist"]) == (2, 1)
    assert len(await rows(harness, f"event.promoted:{event.id}:")) == 1


async def test_deadline_start_cancellation_and_audience_are_checked(harness: Harness) -> None:
    north, south = await place(harness, "northmoor"), await place(harness, "southby")
    await person(harness, "dan", institution=north, roles=["champion"])
    await person(harness, "priya", institution=north)
    await person(harness, "sam", institution=south)
    event = await announce(
        harness, "dan", audience="chosen", institutions=[str(north)], deadline="2026-03-05"
    )
    # Sam wasn't invited: a guessed button value is not enough.
    assert "isn't open to you" in (await rsvp(harness, "sam", event, "going")).text
    assert "You're going" in (await rsvp(harness, "priya", event, "going")).text

    harness.runtime.clock.advance(timedelta(days=4))  # type: ignore[attr-defined]
    closed = await rsvp(harness, "dan", event, "going")
    assert "closed on Thursday 5 March" in closed.text
    assert "can't make" in (await rsvp(harness, "priya", event, "not_going")).text  # still allowed

    harness.runtime.clock.advance(timedelta(days=5))  # type: ignore[attr-defined]
    assert "already started" in (await rsvp(harness, "priya", event, "going")).text


async def test_stale_buttons_on_a_cancelled_event_answer_kindly(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    await person(harness, "priya")
    event = await announce(harness, "dan")
    asked = await harness.say("dan", "event cancel")
    await harness.press("dan", asked.button("Cancel the event"))
    turn = await rsvp(harness, "priya", event, "going")
    assert "was cancelled, so there's nothing to answer" in turn.text
    assert (await reload(harness, event.id)).status == "cancelled"


async def test_two_sessions_racing_for_the_last_place(harness: Harness) -> None:
    """Two real transactions want the last place. On PostgreSQL the second is made to arrive
    while the first still holds its transaction open: it must wait, then find it full."""
    await person(harness, "dan", roles=["champion"])
    ann, ben = await person(harness, "ann"), await person(harness, "ben")
    event = await announce(harness, "dan", capacity="1")
    now = harness.runtime.clock.now()
    sessions = harness.runtime.sessions

    async def take(session: AsyncSession, member_id: int) -> str:
        found = await store.event(session, event.id)
        assert found is not None
        return (await store.answer(session, found, member_id, "going", now)).answer

    async def in_own_transaction(member_id: int) -> str:
        async with sessions() as session, session.begin():
            return await take(session, member_id)

    if harness.runtime.engine.dialect.name != "postgresql":
        # SQLite: BEGIN IMMEDIATE queues the second writer behind the first.
        results = sorted(await asyncio.gather(in_own_transaction(ann), in_own_transaction(ben)))
    else:
        async with sessions() as first, first.begin():
            won = await take(first, ann)
            racing = asyncio.create_task(in_own_transaction(ben))
            await _until_someone_waits_for_a_lock(harness)
        results = [won, await racing]
    assert results == ["going", "waitlist"]
    assert (await _counts(harness, event.id))["going"] == 1


async def _until_someone_waits_for_a_lock(harness: Harness, polls: int = 500) -> None:
    """Poll PostgreSQL until another connection is blocked on a row lock (bounded)."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    async with harness.runtime.engine.connect() as watcher:
        for _ in range(polls):
            if await watcher.scalar(query):
                return


async def test_many_members_pressing_going_at_once(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    handles = [f"m{n}" for n in range(12)]
    for handle in handles:
        await person(harness, handle)
    event = await announce(harness, "dan", capacity="3")
    turns = await asyncio.gather(*(rsvp(harness, h, event, "going") for h in handles))
    assert sum("You're going" in t.text for t in turns) == 3
    assert sum("waitlist" in t.text for t in turns) == 9
    positions = sorted(p for a, p in (await answers(harness, event.id)).values() if a == "waitlist")
    assert positions == list(range(1, 10))


async def _counts(harness: Harness, event_id: int) -> dict[str, int]:
    async with harness.runtime.sessions() as session:
        return await store.counts(session, event_id)


async def test_an_outsider_forging_an_rsvp_learns_nothing_of_the_event(harness: Harness) -> None:
    """Someone the event is not open to gets the same answer whether it is on, cancelled or
    started: never its title."""
    north, south = await place(harness, "northmoor"), await place(harness, "southby")
    await person(harness, "dan", institution=north, roles=["champion"])
    await person(harness, "sam", institution=south)
    cancelled = await announce(
        harness, "dan", title="Secret cryo-EM clinic", audience="chosen", institutions=[str(north)]
    )
    asked = await harness.say("dan", "event cancel")
    await harness.press("dan", asked.button("Cancel the event"))
    assert (await reload(harness, cancelled.id)).status == "cancelled"
    started = await announce(
        harness, "dan", title="Hidden glovebox day", audience="chosen", institutions=[str(north)]
    )
    harness.runtime.clock.advance(timedelta(days=30))  # type: ignore[attr-defined]

    for event in (cancelled, started):
        turn = await rsvp(harness, "sam", event, "going")
        assert "isn't open to you" in turn.text
        assert event.title not in turn.text
