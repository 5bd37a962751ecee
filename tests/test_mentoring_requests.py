"""Requests: ask, accept (introductions) or decline, one at a time, expiry, capacity, forgery."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.harness import Harness
from store.mentoring.models import MentoringProfile, MentorRequest, Relationship, Scheme
from tests.mentoring_network import (
    ask,
    buttons_of,
    join,
    member_id,
    network,
    outbox_for,
    text_of,
)


async def pair_up(harness: Harness, capacity: str = "2") -> dict[str, int]:
    ids = await network(harness)
    await join(
        harness,
        "priya",
        ids["northmoor"],
        "mentee",
        specialisms="lc-ms",
        registration_sought=["RSciTech"],
    )
    await join(
        harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms", capacity=capacity
    )
    await join(harness, "hannah", ids["easterby"], "mentor", specialisms="lc-ms")
    return ids


async def requests(harness: Harness) -> list[MentorRequest]:
    async with harness.runtime.sessions() as session:
        return list(await session.scalars(select(MentorRequest).order_by(MentorRequest.id)))


async def relationships(harness: Harness) -> int:
    async with harness.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Relationship)) or 0)


async def test_request_then_accept_introduces_both(harness: Harness) -> None:
    await pair_up(harness)
    assert "I've sent your request to Farah" in await ask(
        harness, "priya", "farah", "Help with RSciTech"
    )
    card = (await outbox_for(harness, "farah", "mentor.request:"))[0]
    assert "Priya" in text_of(card) and "Help with RSciTech" in text_of(card)
    assert "priya@" not in text_of(card)  # no contact details before acceptance
    accept = next(b for b in buttons_of(card) if b["label"] == "Accept")
    turn = await harness.press("farah", accept["action_id"], accept["value"])
    assert "You accepted Priya's request" in turn.text
    assert (await requests(harness))[0].status == "accepted"
    assert await relationships(harness) == 1
    to_priya = text_of((await outbox_for(harness, "priya", "mentor.intro:"))[0])
    to_farah = text_of((await outbox_for(harness, "farah", "mentor.intro:"))[0])
    assert "Meet your mentor: Farah" in to_priya and "University of Calderbridge" in to_priya
    assert "Meet your mentee: Priya" in to_farah and "University of Northmoor" in to_farah


async def test_accepting_twice_makes_one_relationship(harness: Harness) -> None:
    await pair_up(harness)
    await ask(harness, "priya", "farah")
    request = (await requests(harness))[0]
    first = await harness.press("farah", "mentor.accept", str(request.id))
    second = await harness.press("farah", "mentor.accept", str(request.id))
    assert "You accepted" in first.text and "already accepted" in second.text
    assert await relationships(harness) == 1


async def test_concurrent_accepts_make_one_relationship(harness: Harness) -> None:
    await pair_up(harness)
    await ask(harness, "priya", "farah")
    request = (await requests(harness))[0]
    await asyncio.gather(
        *(harness.press("farah", "mentor.accept", str(request.id)) for _ in range(3))
    )
    assert await relationships(harness) == 1


async def test_someone_elses_request_cannot_be_accepted(harness: Harness) -> None:
    await pair_up(harness)
    await ask(harness, "priya", "farah")
    request = (await requests(harness))[0]
    forged = await harness.press("hannah", "mentor.accept", str(request.id))
    assert "can't find that request" in forged.text
    junk = await harness.press("hannah", "mentor.accept", "1; drop table")
    assert "can't find that request" in junk.text
    assert (await requests(harness))[0].status == "pending"
    assert await relationships(harness) == 0


async def test_one_pending_request_per_mentee_per_scheme(harness: Harness) -> None:
    await pair_up(harness)
    await ask(harness, "priya", "farah")
    second = await harness.press("priya", "mentor.request", str(await member_id(harness, "hannah")))
    assert "already have a request waiting with Farah" in second.text
    # Even a form opened before the first request was sent cannot add a second.
    stale = await harness.submit(
        "priya", "mentor.request", {"message": "Hi"}, state=str(await member_id(harness, "hannah"))
    )
    assert "already have a request waiting" in stale.text
    assert len(await requests(harness)) == 1
    assert "withdrawn" in (await harness.say("priya", "mentor withdraw")).text
    assert "I've sent your request to Hannah" in await ask(harness, "priya", "hannah")


async def test_the_database_refuses_a_second_pending_request(harness: Harness) -> None:
    ids = await pair_up(harness)
    await ask(harness, "priya", "farah")
    from store.mentoring.queries import create_request

    now = harness.runtime.clock.now()
    async with harness.runtime.sessions() as session, session.begin():
        added = await create_request(
            session,
            MentorRequest(
                scheme_id=ids["scheme"],
                mentee_id=await member_id(harness, "priya"),
                mentor_id=await member_id(harness, "hannah"),
                status="pending",
                message="",
                created_at=now,
                expires_at=now + timedelta(days=3),
            ),
        )
    assert added is False


async def test_bad_requests_get_clear_answers(harness: Harness) -> None:
    ids = await pair_up(harness)
    await join(harness, "both", ids["easterby"], "both", specialisms="lc-ms")
    me = await harness.press("both", "mentor.request", str(await member_id(harness, "both")))
    assert "can't be your own mentor" in me.text
    later = (harness.runtime.clock.now() + timedelta(days=20)).date().isoformat()
    await harness.submit(
        "hannah",
        "mentor.profile",
        {
            "role": "mentor",
            "specialisms": "lc-ms",
            "format": "either",
            "capacity": "2",
            "paused_until": later,
        },
    )
    paused = await harness.press("priya", "mentor.request", str(await member_id(harness, "hannah")))
    assert "paused" in paused.text
    huge = await harness.submit(
        "priya",
        "mentor.request",
        {"message": "x" * 10_000},
        state=str(await member_id(harness, "farah")),
    )
    assert "under 1,000 characters" in huge.errors["message"]
    assert await requests(harness) == []


async def test_decline_is_kind_private_and_offers_the_next_suggestion(harness: Harness) -> None:
    await pair_up(harness)
    await ask(harness, "priya", "farah")
    request = (await requests(harness))[0]
    form = (await harness.press("farah", "mentor.decline", str(request.id))).form
    assert form is not None
    done = await harness.submit("farah", form, {"reason": "Too busy with an audit this term."})
    assert "passed it on kindly" in done.text
    stored = (await requests(harness))[0]
    assert (
        stored.status == "declined" and stored.decline_reason == "Too busy with an audit this term."
    )
    notice = (await outbox_for(harness, "priya", "mentor.declined:"))[0]
    assert "no reflection on you" in text_of(notice) and "audit" not in text_of(notice)
    assert "Hannah" in text_of(notice)  # the next suggestion
    assert {b["label"] for b in buttons_of(notice)} >= {"Request", "Find another mentor"}


async def test_requests_expire_by_the_clock_and_the_mentee_is_told_kindly(harness: Harness) -> None:
    runtime = harness.runtime
    await pair_up(harness)
    await ask(harness, "priya", "farah")
    job = runtime.router.jobs["mentoring"]
    # A day before it lapses, only the mentor is reminded; nothing expires yet.
    assert await job.run(runtime, runtime.clock.now() + timedelta(days=2)) == 1
    assert (await requests(harness))[0].status == "pending"
    runtime.clock.advance(timedelta(days=3, minutes=1))
    late = await harness.press("farah", "mentor.accept", str((await requests(harness))[0].id))
    assert "expired" in late.text and await relationships(harness) == 0
    assert await job.run(runtime, runtime.clock.now()) == 1
    assert await job.run(runtime, runtime.clock.now()) == 0  # re-running is harmless
    assert (await requests(harness))[0].status == "expired"
    notice = await outbox_for(harness, "priya", "mentor.expired:")
    assert len(notice) == 1
    assert "no reflection on you" in text_of(notice[0]) and "Hannah" in text_of(notice[0])
    after = await harness.press("farah", "mentor.accept", str((await requests(harness))[0].id))
    assert "expired" in after.text and await relationships(harness) == 0


async def test_a_full_mentor_cannot_accept_and_is_told_why(harness: Harness) -> None:
    ids = await pair_up(harness, capacity="1")
    await join(harness, "sam", ids["easterby"], "mentee", specialisms="lc-ms")
    await ask(harness, "priya", "farah")
    await ask(harness, "sam", "farah")
    first, second = await requests(harness)
    assert "You accepted" in (await harness.press("farah", "mentor.accept", str(first.id))).text
    refused = await harness.press("farah", "mentor.accept", str(second.id))
    assert "at capacity (1 mentee)" in refused.text
    assert await relationships(harness) == 1
    async with harness.runtime.sessions() as session:
        profile = await session.get(MentoringProfile, await member_id(harness, "farah"))
        assert profile is not None and profile.open_places == 0
    full = await harness.press("priya", "mentor.request", str(await member_id(harness, "farah")))
    assert "no room" in full.text or "already" in full.text


async def test_a_request_lasts_the_schemes_request_days(harness: Harness) -> None:
    ids = await pair_up(harness)
    async with harness.runtime.sessions() as session, session.begin():
        scheme = await session.get(Scheme, ids["scheme"])
        assert scheme is not None
        scheme.request_days = 5
    await ask(harness, "priya", "farah")
    request = (await requests(harness))[0]
    assert request.expires_at - request.created_at == timedelta(days=5)
