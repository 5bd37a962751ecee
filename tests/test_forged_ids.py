"""Forged button values naming ids no row could have (too big for the column, negative, not
a number) are answered as out-of-date buttons, on SQLite and PostgreSQL alike, never with
an apology for an error."""

from __future__ import annotations

import pytest

from bot.harness import Harness
from bot.ids import MAX_ID, as_id
from tests.events_network import person

FORGED = [str(2**63), str(2**63 + 1), str(2**31), "-1", "0", "12abc", "", " ", "１２", "1e3"]


@pytest.mark.parametrize("value", FORGED)
def test_values_no_row_could_have_are_no_id(value: str) -> None:
    assert as_id(value) is None


def test_plain_ids_are_read() -> None:
    assert (as_id("7"), as_id(" 42 "), as_id(str(MAX_ID))) == (7, 42, MAX_ID)


@pytest.mark.parametrize("value", [str(2**63), str(2**31), "-5"])
@pytest.mark.parametrize(
    ("action", "suffix"),
    [
        ("event.rsvp", ":going"),
        ("mentor.accept", ""),
        ("nominate.start", ""),
        ("pulse.answer", ""),
    ],
)
async def test_a_forged_huge_id_gets_the_out_of_date_answer(
    harness: Harness, action: str, suffix: str, value: str
) -> None:
    await person(harness, "sam")
    turn = await harness.press("sam", action, value + suffix)
    assert "went wrong" not in turn.text.lower()
    assert "no longer works" in turn.text or "can't find" in turn.text, turn.text


@pytest.mark.parametrize("where", [str(2**63), str(2**31), "-3"])
async def test_a_report_button_naming_a_forged_institution_is_out_of_date(
    harness: Harness, where: str
) -> None:
    await person(harness, "ada", roles=["admin"])
    turn = await harness.press("ada", "report.open", f"2026-01-01 2026-03-31 {where}")
    assert "older report" in turn.text, turn.text
