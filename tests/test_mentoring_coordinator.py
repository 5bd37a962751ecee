"""The coordinator's batch match (draft, drop, swap, approve) and the scheme report."""

from __future__ import annotations

from sqlalchemy import select

from bot.harness import Harness
from store.anonymous import random_key
from store.mentoring.models import (
    EvaluationResponse,
    EvaluationReturn,
    MatchDraft,
    MentorRequest,
    Relationship,
)
from store.models import Member
from tests.helpers import make_member
from tests.mentoring_network import accept, ask, join, member_id, network, outbox_for, text_of


async def waiting_scheme(harness: Harness) -> dict[str, int]:
    ids = await network(harness)
    north, calder, east = ids["northmoor"], ids["calderbridge"], ids["easterby"]
    await join(harness, "priya", north, "mentee", specialisms="lc-ms")
    await join(
        harness,
        "rhys",
        calder,
        "mentee",
        specialisms="materials testing",
        registration_sought=["EngTech"],
    )
    await join(harness, "aisha", north, "mentee", specialisms="teaching labs")
    await join(harness, "farah", calder, "mentor", specialisms="lc-ms", capacity="1")
    await join(
        harness,
        "gareth",
        north,
        "mentor",
        specialisms="materials testing",
        registration_held=["EngTech"],
        capacity="1",
    )
    await join(
        harness,
        "tess",
        east,
        "mentor",
        specialisms="teaching labs",
        capacity="1",
        dont_pair="aisha",
    )
    return ids


async def requests(harness: Harness) -> list[MentorRequest]:
    async with harness.runtime.sessions() as session:
        return list(await session.scalars(select(MentorRequest).order_by(MentorRequest.id)))


async def test_only_the_coordinator_or_an_admin_may_match_or_report(harness: Harness) -> None:
    await waiting_scheme(harness)
    for words in ("mentor match", "mentor report", "mentor report csv"):
        assert "only for the scheme's coordinator" in (await harness.say("priya", words)).text
    await make_member(harness, "cora", "coordinator")  # coordinates another scheme, not this
    assert "only for the scheme's coordinator" in (await harness.say("cora", "mentor match")).text
    await make_member(harness, "alex", "admin")
    assert "Draft match" in (await harness.say("alex", "mentor match")).text


async def test_batch_match_draft_shows_reasons_and_respects_exclusions(harness: Harness) -> None:
    await waiting_scheme(harness)
    turn = await harness.say("morgan", "mentor match")
    text = turn.text
    assert "Draft match: 3 pairs" in text
    # The best total matches all three; Tess asked not to be paired with Aisha.
    assert "Rhys with mentor Gareth (10 points)" in text
    assert "also works in materials testing" in text
    assert "EngTech registered — the mentee aims for EngTech" in text  # about, not to, them
    assert "you aim" not in text and "suits you" not in text
    assert "Priya with mentor Tess" in text and "Aisha with mentor Farah" in text


async def test_drop_swap_and_approve_send_requests(harness: Harness) -> None:
    await waiting_scheme(harness)
    draft = await harness.say("morgan", "mentor match")
    dropped = await harness.press("morgan", draft.buttons[0])  # the first pair's Drop
    assert "Draft match: 2 pairs" in dropped.text
    forged = await harness.press("priya", dropped.button("Approve and send requests"))
    assert "only for the scheme's coordinator" in forged.text
    swap_form = (await harness.press("morgan", dropped.button("Swap two mentors"))).form
    assert swap_form is not None
    same = await harness.submit("morgan", swap_form, {"first": "0", "second": "0"})
    assert "two different pairs" in same.errors["second"]
    assert "Rhys with mentor Gareth" in dropped.text and "Aisha with mentor Farah" in dropped.text
    swapped = await harness.submit("morgan", swap_form, {"first": "0", "second": "1"})
    assert "Rhys with mentor Farah" in swapped.text and "Aisha with mentor Gareth" in swapped.text
    approved = await harness.press("morgan", swapped.button("Approve and send requests"))
    assert "Approved: 2 requests sent" in approved.text
    sent = await requests(harness)
    assert len(sent) == 2 and all(r.via_match and r.status == "pending" for r in sent)
    rhys, farah = await member_id(harness, "rhys"), await member_id(harness, "farah")
    assert (sent[0].mentee_id, sent[0].mentor_id) == (rhys, farah)
    told = text_of((await outbox_for(harness, "rhys", "mentor.matched:"))[0])
    assert "suggested Farah as your mentor" in told and "Good news" not in told  # not yet
    for request in sent:
        assert await outbox_for_member(harness, request.mentor_id, f"mentor.request:{request.id}")
    [asked] = await outbox_for(harness, "farah", "mentor.request:")
    assert "coordinator suggests you as a mentor" in text_of(asked)
    assert "They hope" not in text_of(asked)
    again = await harness.press("morgan", dropped.button("Approve and send requests"))
    assert "already been approved" in again.text
    assert len(await requests(harness)) == 2
    async with harness.runtime.sessions() as session:
        assert (await session.scalar(select(MatchDraft.status))) == "approved"


async def outbox_for_member(harness: Harness, member: int, key: str) -> bool:
    from store.models import OutboxMessage

    async with harness.runtime.sessions() as session:
        return bool(
            await session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.member_id == member, OutboxMessage.key == key
                )
            )
        )


async def test_a_swap_into_an_excluded_pair_is_refused(harness: Harness) -> None:
    await waiting_scheme(harness)
    draft = await harness.say("morgan", "mentor match")
    names = draft.text
    async with harness.runtime.sessions() as session:
        row = await session.scalar(select(MatchDraft))
        assert row is not None
        pairs = row.pairs
    aisha, tess = await member_id(harness, "aisha"), await member_id(harness, "tess")
    first = next(n for n, (a, _) in enumerate(pairs) if a == aisha)
    second = next(n for n, (_, b) in enumerate(pairs) if b == tess)
    turn = await harness.submit(
        "morgan",
        "mentor.match_swap",
        {"first": str(first), "second": str(second)},
        state=str(row.id),
    )
    assert "can't be swapped" in turn.text, names


async def test_report_counts_and_csv(harness: Harness) -> None:
    await waiting_scheme(harness)
    await ask(harness, "priya", "farah", "Hi")
    await accept(harness, "farah")
    report = await harness.say("morgan", "mentor report")
    assert "Active pairs: 1" in report.text and "Waiting for a mentor: 2" in report.text
    assert "requests" not in report.text.lower().split("requests:")[0][-5:]
    csv_turn = await harness.press("morgan", report.button("Export CSV"))
    lines = csv_turn.text.splitlines()
    assert lines[0] == "cims-pairs.csv"
    assert lines[1].startswith("mentor,mentee,status,started")
    assert lines[2].startswith("Farah,Priya,active,2026-03-02,0")
    assert (await harness.say("morgan", "mentor report csv")).text == csv_turn.text


async def add_responses(
    harness: Harness, scheme: int, role: str, n: int, comment: str, round_: str = "2025Q4"
) -> None:
    """n answers of one role in a round, each with its receipt (a pair of its own)."""
    now = harness.runtime.clock.now()
    async with harness.runtime.sessions() as session, session.begin():
        for _ in range(n):
            mentor, mentee = (Member(display_name=n, created_at=now, updated_at=now) for n in "AB")
            session.add_all([mentor, mentee])
            await session.flush()
            pair = Relationship(
                scheme_id=scheme, mentor_id=mentor.id, mentee_id=mentee.id, started_at=now
            )
            session.add(pair)
            await session.flush()
            who = mentor.id if role == "mentor" else mentee.id
            session.add(
                EvaluationReturn(
                    relationship_id=pair.id,
                    member_id=who,
                    stage="midpoint",
                    round=round_,
                    returned_on=now.date(),
                )
            )
            session.add(
                EvaluationResponse(
                    id=random_key(),
                    scheme_id=scheme,
                    stage="midpoint",
                    round=round_,
                    role=role,
                    scores={"useful": 4, "meetings": 3, "objectives": 5},
                    comment=comment or None,
                )
            )


async def test_report_shows_evaluations_only_under_the_anonymity_rule(harness: Harness) -> None:
    ids = await network(harness)
    await add_responses(harness, ids["scheme"], "mentee", 3, "Secret detail")
    few = (await harness.say("morgan", "mentor report")).text
    assert "3 returned. Too few answers" in few and "useful" not in few
    await add_responses(harness, ids["scheme"], "mentor", 3, "Another detail")
    six = (await harness.say("morgan", "mentor report")).text
    assert "everyone (6): useful 4.0, meetings 3.0, objectives 5.0" in six
    assert "mentees: hidden" in six and "mentors: hidden" in six
    assert "Secret detail" not in six and "at least 10 people wrote one" in six
    await add_responses(harness, ids["scheme"], "mentee", 5, "Useful sessions")
    twelve = (await harness.say("morgan", "mentor report")).text
    # 3 mentors are too few; the mentees' 8 would give them away by subtraction, so both hide.
    assert "mentees: hidden" in twelve and "mentors: hidden" in twelve
    assert "everyone (11)" in twelve
    assert "Secret detail" in twelve  # 11 comments: free text may now be shown
    await add_responses(harness, ids["scheme"], "mentor", 2, "")
    both = (await harness.say("morgan", "mentor report")).text
    assert "mentees (8): useful 4.0" in both and "mentors (5): useful 4.0" in both
