"""After acceptance: agreement, meeting log and private notes, status, evaluations, formal close."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from bot.harness import Harness
from handlers.mentoring.jobs import prompt_evaluations
from store.mentoring.models import (
    EvaluationResponse,
    EvaluationReturn,
    Meeting,
    MentoringProfile,
    Objective,
    PrivateNote,
    Relationship,
)
from tests.mentoring_network import (
    buttons_of,
    member_id,
    outbox_for,
    paired,
    text_of,
)

AGREEMENT = {
    "objectives": "Submit my RSciTech application\n- Learn LC-MS method validation",
    "cadence": "every 4 weeks",
    "format": "online",
    "confidentiality": "What we discuss stays between us.",
    "months": "9",
}


async def objectives(harness: Harness) -> list[Objective]:
    async with harness.runtime.sessions() as session:
        return list(await session.scalars(select(Objective).order_by(Objective.position)))


async def test_agreement_needs_objectives_and_either_can_edit_it(harness: Harness) -> None:
    await paired(harness)
    form = (await harness.say("farah", "mentor agreement")).form
    assert form is not None and form.form_id == "mentor.agreement"
    empty = await harness.submit("farah", form, {**AGREEMENT, "objectives": "  \n - \n"})
    assert "at least one objective" in empty.errors["objectives"]
    assert await objectives(harness) == []
    saved = await harness.submit("farah", form, AGREEMENT)
    assert "Agreement saved with 2 objectives" in saved.text
    assert [o.text for o in await objectives(harness)] == [
        "Submit my RSciTech application",
        "Learn LC-MS method validation",
    ]
    assert "filled in your mentoring agreement" in text_of(
        (await outbox_for(harness, "priya", "mentor.agreement:"))[0]
    )
    again = (await harness.say("priya", "mentor agreement")).form
    assert again is not None
    edited = {**AGREEMENT, "objectives": "Submit my RSciTech application\nPresent at a hub event"}
    assert "saved" in (await harness.submit("priya", again, edited)).text
    assert [o.text for o in await objectives(harness)][1] == "Present at a hub event"


async def test_ten_thousand_characters_are_refused_and_nothing_is_half_saved(
    harness: Harness,
) -> None:
    relationship_id = await paired(harness)
    turn = await harness.submit(
        "farah",
        "mentor.agreement",
        {**AGREEMENT, "confidentiality": "x" * 10_000},
        state=str(relationship_id),
    )
    assert "under 1,000 characters" in turn.errors["confidentiality"]
    kept = {i.name: i.initial for i in turn.form.inputs}  # type: ignore[union-attr]
    assert kept["objectives"] == AGREEMENT["objectives"]
    assert await objectives(harness) == []
    async with harness.runtime.sessions() as session:
        relationship = await session.get(Relationship, relationship_id)
        assert relationship is not None and relationship.agreed_at is None


async def test_someone_outside_the_pair_cannot_touch_it(harness: Harness) -> None:
    relationship_id = await paired(harness)
    turn = await harness.submit(
        "mallory", "mentor.agreement", AGREEMENT, state=str(relationship_id)
    )
    assert "can't find that mentoring relationship" in turn.text
    assert await objectives(harness) == []


async def test_meeting_log_reviews_objectives_and_keeps_notes_private(harness: Harness) -> None:
    relationship_id = await paired(harness)
    await harness.submit("priya", "mentor.agreement", AGREEMENT, state=str(relationship_id))
    first = (await objectives(harness))[0]
    form = (await harness.say("priya", "mentor log")).form
    assert form is not None and f"objective_{first.id}" in {i.name for i in form.inputs}
    logged = await harness.submit(
        "priya",
        form,
        {
            "held_on": "2026-03-01",
            "happened": "yes",
            f"objective_{first.id}": "progressed",
            "next_meeting_on": "2026-03-29",
            "note": "Nervous about the application — ask again.",
        },
    )
    assert "Meeting logged" in logged.text and "29 March" in logged.text
    assert (await objectives(harness))[0].state == "progressed"
    mine = (await harness.say("priya", "mentor meetings")).text
    theirs = (await harness.say("farah", "mentor meetings")).text
    assert "Nervous about the application" in mine
    assert "Nervous" not in theirs and "1 March 2026: met" in theirs
    async with harness.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PrivateNote)) == 1
        relationship = await session.get(Relationship, relationship_id)
        assert relationship is not None
        assert relationship.last_meeting_on == date(2026, 3, 1)
        assert relationship.next_meeting_on == date(2026, 3, 29)
    status = (await harness.say("priya", "mentor status")).text
    assert "Farah" in status and "next meeting on Sunday 29 March" in status


async def test_meeting_log_dates_are_checked(harness: Harness) -> None:
    relationship_id = await paired(harness)
    turn = await harness.submit(
        "priya",
        "mentor.log",
        {"held_on": "2026-04-01", "happened": "yes", "next_meeting_on": "2026-03-01"},
        state=str(relationship_id),
    )
    assert set(turn.errors) == {"held_on", "next_meeting_on"}
    async with harness.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Meeting)) == 0


async def test_status_tells_each_what_comes_next(harness: Harness) -> None:
    await paired(harness)
    mentee = (await harness.say("priya", "mentor status")).text
    mentor = (await harness.say("farah", "mentor status")).text
    assert "your mentor will arrange a first" in mentee
    assert "arrange a first getting-to-know-each-other meeting" in mentor
    home = (await harness.say("priya", "home")).messages[0]
    assert any(getattr(block, "text", "") == "Mentoring" for block in home.blocks)


async def test_evaluations_are_prompted_when_due_and_answered_once(harness: Harness) -> None:
    runtime = harness.runtime
    relationship_id = await paired(harness)
    assert await prompt_evaluations(runtime, runtime.clock.now() + timedelta(days=60)) == 0
    due = runtime.clock.advance(timedelta(days=125))
    assert await prompt_evaluations(runtime, due) == 2  # mid-point, to each of the pair
    assert await prompt_evaluations(runtime, due) == 0
    prompt = (await outbox_for(harness, "priya", "mentor.eval:"))[0]
    button = buttons_of(prompt)[0]
    form = (await harness.press("priya", button["action_id"], button["value"])).form
    assert form is not None
    answers = {"useful": "5", "meetings": "4", "objectives": "3", "comment": "Really helpful."}
    assert "saved anonymously" in (await harness.submit("priya", form, answers)).text
    twice = await harness.submit("priya", form, answers)
    assert "already returned" in twice.text
    assert (
        "already returned"
        in (await harness.press("priya", button["action_id"], button["value"])).text
    )
    outsider = await harness.submit("mallory", form, answers)
    assert "no longer works" in outsider.text
    async with harness.runtime.sessions() as session:
        responses = list(await session.scalars(select(EvaluationResponse)))
        returns = list(await session.scalars(select(EvaluationReturn)))
    assert len(responses) == 1 and len(returns) == 1
    columns = set(EvaluationResponse.__table__.columns.keys())
    assert not columns & {"member_id", "relationship_id", "created_at"}  # stored without a link
    assert responses[0].scores == {"useful": 5, "meetings": 4, "objectives": 3}
    assert returns[0].relationship_id == relationship_id


async def test_formal_close_tells_the_other_kindly_and_reoffers_the_mentor(
    harness: Harness,
) -> None:
    relationship_id = await paired(harness)
    form = (await harness.say("priya", "mentor end")).form
    assert form is not None
    bad = await harness.submit("priya", form, {"reason": "bored"})
    assert "choose from the list" in bad.errors["reason"]
    done = await harness.submit(
        "priya", form, {"reason": "circumstances", "comment": "I'm changing jobs."}
    )
    assert "closed" in done.text
    farah = await member_id(harness, "farah")
    async with harness.runtime.sessions() as session:
        relationship = await session.get(Relationship, relationship_id)
        assert relationship is not None and relationship.status == "closed"
        assert relationship.exit_reason == "circumstances"
        assert relationship.exit_comment == "I'm changing jobs."
        profile = await session.get(MentoringProfile, farah)
        assert profile is not None and profile.open_places == 1
    told = text_of((await outbox_for(harness, "farah", "mentor.closed:"))[0])
    assert "Thank you" in told and "changing jobs" not in told
    coordinator = text_of((await outbox_for(harness, "morgan", "mentor.closed:"))[0])
    assert "Circumstances changed" in coordinator and "changing jobs" in coordinator
    assert len(await outbox_for(harness, "farah", "mentor.eval:")) == 1  # end evaluation
    offer = (await outbox_for(harness, "farah", "mentor.reoffer:"))[0]
    no = next(b for b in buttons_of(offer) if b["label"] == "Not just now")
    assert (
        "keep you off the list until"
        in (await harness.press("farah", no["action_id"], no["value"])).text
    )
    yes = next(b for b in buttons_of(offer) if b["label"] == "Yes, offer me again")
    assert (
        "listed as available again"
        in (await harness.press("farah", yes["action_id"], yes["value"])).text
    )
    again = await harness.submit(
        "priya", "mentor.end", {"reason": "other"}, state=str(relationship_id)
    )
    assert "can't find that mentoring relationship" in again.text


async def test_a_mentor_closing_is_asked_at_once(harness: Harness) -> None:
    relationship_id = await paired(harness)
    turn = await harness.submit(
        "farah", "mentor.end", {"reason": "objectives_met"}, state=str(relationship_id)
    )
    assert "Yes, offer me again" in [b.label for b in turn.buttons]
    told = text_of((await outbox_for(harness, "priya", "mentor.closed:"))[0])
    assert "closed your mentoring relationship formally" in told
