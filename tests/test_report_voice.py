"""The report's Voice section: pulse rounds run through the harness to their close, then
counted by the report and in the test, participation from receipts, and a round under the
minimum showing participation but no score."""

from __future__ import annotations

from datetime import timedelta

from bot import jobs
from bot.clock import FixedClock
from bot.harness import Harness
from tests.events_network import person
from tests.pulse_network import answer, network, rounds, send
from tests.test_report import figures, shown

PROMPT = "I have time for my own development"


async def run_round(harness: Harness, clock: FixedClock, title: str, scores: list[str]) -> None:
    survey = await send(harness, title=title)
    [first] = await rounds(harness, survey.id)
    for n, score in enumerate(scores):
        await answer(harness, f"m{n}", first.id, q1=score)
    clock.set(first.closes_at + timedelta(minutes=1))
    await jobs.run_all(harness.runtime, clock.now())


async def test_voice_counts_closed_rounds_from_receipts(
    harness: Harness, clock: FixedClock
) -> None:
    members = await network(harness, members=6)
    await person(harness, "ada", roles=["admin"])
    empty = await harness.say("ada", "report")
    assert "Rounds closed" not in figures(empty)  # no closed round: nothing counted

    many, few = ["4", "4", "5", "2", "3"], ["5", "1", "5"]
    await run_round(harness, clock, "Spring pulse", many)
    await run_round(harness, clock, "Summer pulse", few)
    clock.set(clock.now() + timedelta(minutes=1))
    turn = await harness.say("ada", "report")
    got = figures(turn)

    invited = len(members) + 2  # the technicians, grace and ada, on the whole network
    answered = len(many) + len(few)
    assert got["Rounds closed"].startswith("2 (last period 0")
    assert got["Surveys"].startswith("2 (last period 0")
    assert got["Invited"].startswith(f"{2 * invited} (last period 0")
    assert got["Respondents"].startswith(f"{answered} (last period 0")
    expected_rate = round(100 * answered / (2 * invited), 1)
    assert got["Participation rate"].startswith(f"{shown(expected_rate)}%"), got
    mean = sum(int(s) for s in many) / len(many)
    assert got[f"Spring pulse, round 1: {PROMPT}"].startswith(shown(mean)), got
    # Three answers: participation counted above, and no score anywhere.
    assert not any(label.startswith("Summer pulse") for label in got)
    assert "Summer pulse" not in turn.text
