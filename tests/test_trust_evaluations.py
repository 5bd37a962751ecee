"""Evaluations against a determined reader: due before answerable, closed rounds only, the
comment minimum counts comments (issue 13, items 1, 3 and 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.harness import Harness
from handlers.mentoring.evaluations import round_closes, round_of
from handlers.mentoring.jobs import prompt_evaluations
from tests.mentoring_network import network, paired
from tests.test_mentoring_coordinator import add_responses


async def test_an_evaluation_cannot_be_answered_before_it_is_due(harness: Harness) -> None:
    relationship_id = await paired(harness)
    early = await harness.press("priya", "mentor.evaluate", f"{relationship_id}:midpoint")
    assert early.form is None and "no longer works" in early.text
    forged = await harness.submit(
        "priya",
        "mentor.evaluate",
        {"useful": "5", "meetings": "5", "objectives": "5"},
        state=f"{relationship_id}:end",
    )
    assert "no longer works" in forged.text and "saved" not in forged.text
    due = harness.runtime.clock.advance(timedelta(days=125))
    await prompt_evaluations(harness.runtime, due)
    ready = await harness.press("priya", "mentor.evaluate", f"{relationship_id}:midpoint")
    assert ready.form is not None


async def test_a_round_shows_nothing_until_it_closes_then_never_moves(harness: Harness) -> None:
    ids = await network(harness)
    await add_responses(harness, ids["scheme"], "mentee", 5, "", round_="2026Q1")
    five = (await harness.say("morgan", "mentor report")).text
    await add_responses(harness, ids["scheme"], "mentor", 1, "", round_="2026Q1")
    six = (await harness.say("morgan", "mentor report")).text
    for report in (five, six):
        assert "useful" not in report and "results after 29 April 2026" in report
    harness.runtime.clock.set(datetime(2026, 4, 29, 9, 0, tzinfo=UTC))
    closed = (await harness.say("morgan", "mentor report")).text
    assert "everyone (6): useful 4.0" in closed and "mentors (1)" not in closed


async def test_the_comment_minimum_counts_comments(harness: Harness) -> None:
    ids = await network(harness)
    await add_responses(harness, ids["scheme"], "mentee", 1, "Only I wrote this")
    await add_responses(harness, ids["scheme"], "mentee", 11, "")
    report = (await harness.say("morgan", "mentor report")).text
    assert "everyone (12)" in report and "Only I wrote this" not in report


def test_rounds_are_quarters_closing_four_weeks_after() -> None:
    assert round_of(datetime(2026, 3, 31).date()) == "2026Q1"
    assert round_closes("2026Q1") == datetime(2026, 4, 29, tzinfo=UTC)
    assert round_closes("2026Q4") == datetime(2027, 1, 29, tzinfo=UTC)
