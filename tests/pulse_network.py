"""A small network for the pulse scenarios: a coordinator, members at two institutions,
and a survey set up and sent through the real form, preview and Send button."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.harness import Harness, Turn
from store.pulse.models import PulseRound, PulseSurvey
from tests.events_network import person, place

QUESTIONS = (
    "scale: I have time for my own development | Strongly disagree | Strongly agree\n"
    "likely: How likely are you to recommend a technician-led event to a colleague?\n"
    "choice: Which would help your career most? | Training | Mentoring | Time for CPD\n"
    "multi: Which did you go to this term? | Careers talk | Facility tour | Showcase\n"
    "text: Anything else you'd like the network to know?"
)


def survey_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "Technician pulse: career development",
        "questions": QUESTIONS,
        "audience": "network",
        "institutions": [],
        "roles": [],
        "interests": "",
        "repeat": "once",
        "rounds": "",
        "open_days": "7",
        "reminders": "3, 5",
    }
    fields.update(changes)
    return fields


async def network(harness: Harness, members: int = 6) -> list[str]:
    """grace the coordinator and `members` technicians at two institutions."""
    north, south = await place(harness, "northmoor"), await place(harness, "southby")
    await person(harness, "grace", institution=north, roles=["coordinator"])
    handles = [f"m{n}" for n in range(members)]
    for n, handle in enumerate(handles):
        await person(harness, handle, institution=north if n % 2 == 0 else south)
    return handles


async def draft(harness: Harness, coordinator: str = "grace", **changes: Any) -> Turn:
    opened = await harness.say(coordinator, "pulse new")
    assert opened.form is not None, opened.text
    return await harness.submit(coordinator, opened.form, survey_fields(**changes))


async def send(harness: Harness, coordinator: str = "grace", **changes: Any) -> PulseSurvey:
    preview = await draft(harness, coordinator, **changes)
    assert not preview.errors, preview.errors
    sent = await harness.press(coordinator, preview.button("Send"))
    assert "Sent!" in sent.text, sent.text
    async with harness.runtime.sessions() as session:
        found = await session.scalar(select(PulseSurvey).order_by(PulseSurvey.id.desc()))
        assert found is not None
        return found


async def rounds(harness: Harness, survey_id: int) -> list[PulseRound]:
    async with harness.runtime.sessions() as session:
        found = await session.scalars(
            select(PulseRound).where(PulseRound.survey_id == survey_id).order_by(PulseRound.number)
        )
        return list(found)


ANSWER = {"q1": "4", "q2": "9", "q3": "2", "q4": ["1", "3"], "q5": ""}


async def answer(
    harness: Harness, handle: str, round_id: int, **changes: Any
) -> Turn:
    """Press Answer on the invitation and send the form."""
    opened = await harness.press(handle, "pulse.answer", str(round_id))
    assert opened.form is not None, opened.text
    return await harness.submit(handle, opened.form, {**ANSWER, **changes})
