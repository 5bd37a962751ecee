"""When each thing is due for a mentoring pair: pure date rules, no I/O.

After the first meeting the *mentee* books and leads each meeting. A cycle is the
span from one meeting to the next: the pair should meet by `cycle_due_on` (last
meeting + cadence); the mentee is nudged to book from `nudge_due_on` (that day −
the scheme's lead time); once a date is booked the nudges stop and, the day after
it, she is asked whether it happened (`check_due_on`). A meet-by day that passes
with nothing logged or booked is a missed cycle; enough of them, or weeks with no
meeting at all, make the pair "stalled" for the coordinator's digest
(`stall_due_on`). Each rule returns the columns to change, so a sweep can apply
them in bulk and a button press to one ORM row alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from bot.quiet_hours import QuietHours
from handlers.mentoring.common import add_months

Changes = dict[str, Any]

SNOOZE = timedelta(days=7)
# After "did you meet?", how long an unanswered question waits before the cycle counts as missed.
ANSWER_WINDOW = timedelta(days=7)
_EVERY_N_WEEKS = re.compile(r"every\s+(\d{1,2})\s+weeks?", re.IGNORECASE)


@dataclass(frozen=True)
class Rules:
    """A pair's rhythm: from their agreement, else their scheme's defaults."""

    cadence: timedelta
    lead: timedelta
    stall_missed_cycles: int
    stall_silence: timedelta


class SchemeSettings(Protocol):
    @property
    def cadence_weeks(self) -> int: ...
    @property
    def nudge_lead_days(self) -> int: ...
    @property
    def stall_missed_cycles(self) -> int: ...
    @property
    def stall_weeks(self) -> int: ...


class PairState(Protocol):
    """What the rules read of a pair: a Relationship row, or a sweep's DuePair."""

    @property
    def cycle(self) -> int: ...
    @property
    def cycle_due_on(self) -> date | None: ...
    @property
    def nudges_this_cycle(self) -> int: ...
    @property
    def missed_cycles(self) -> int: ...
    @property
    def stall_due_on(self) -> date | None: ...
    @property
    def stall_reported_at(self) -> datetime | None: ...


def rules_for(agreed_cadence: str | None, scheme: SchemeSettings) -> Rules:
    found = _EVERY_N_WEEKS.search(agreed_cadence or "")
    weeks = int(found.group(1)) if found and int(found.group(1)) > 0 else scheme.cadence_weeks
    cadence = timedelta(weeks=max(weeks, 1))
    # The nudge must come after the meeting it follows, however the scheme is set.
    lead = min(timedelta(days=max(scheme.nudge_lead_days, 0)), cadence - timedelta(days=1))
    return Rules(
        cadence,
        lead,
        max(scheme.stall_missed_cycles, 1),
        timedelta(weeks=max(scheme.stall_weeks, 1)),
    )


def at_start(started_on: date, midpoint_months: int, length_months: int, rules: Rules) -> Changes:
    """A new pair: the mentor arranges the first meeting, so no nudges yet."""
    return evaluation_dates(started_on, midpoint_months, length_months) | {
        "stall_due_on": started_on + rules.stall_silence
    }


def after_meeting(rules: Rules, cycle: int, held_on: date, next_on: date | None) -> Changes:
    """A meeting happened: a new cycle starts, and nothing counts as missed any more."""
    changes: Changes = {
        "last_meeting_on": held_on,
        "cycle": cycle + 1,
        "nudges_this_cycle": 0,
        "missed_cycles": 0,
        "stall_due_on": held_on + rules.stall_silence,
        "stall_reported_at": None,
    }
    if next_on is not None:
        return changes | after_booking(next_on)
    due = held_on + rules.cadence
    return changes | {
        "next_meeting_on": None,
        "check_due_on": None,
        "cycle_due_on": due,
        "nudge_due_on": due - rules.lead,
    }


def after_booking(day: date) -> Changes:
    """The next meeting is in the diary: no more booking nudges; ask about it the day after."""
    return {
        "next_meeting_on": day,
        "check_due_on": day + timedelta(days=1),
        "cycle_due_on": None,
        "nudge_due_on": None,
    }


def after_asking(today: date) -> Changes:
    """Asked "did you meet?": an answer is awaited, but not for ever."""
    return {"check_due_on": None, "cycle_due_on": today + ANSWER_WINDOW}


def after_nudge(nudges_this_cycle: int) -> Changes:
    return {"nudge_due_on": None, "nudges_this_cycle": nudges_this_cycle + 1}


def after_snooze(today: date, cycle_due_on: date | None) -> Changes:
    """ "Remind me next week": the meet-by day moves with it, so a snooze is not a miss.
    Never on a weekend or a bank holiday: the next working day instead."""
    again = QuietHours().working_day_from(today + SNOOZE)
    meet_by = max(cycle_due_on or again, again + SNOOZE)
    return {"nudge_due_on": again, "cycle_due_on": meet_by}


def after_miss(rules: Rules, today: date, pair: PairState) -> Changes:
    """A cycle went by without a meeting: start the next one and nudge again at once.

    Enough misses in a row report the pair in tomorrow's coordinator digest, so
    every pair that stalls on one day shares one message.
    """
    missed = pair.missed_cycles + 1
    changes: Changes = {
        "missed_cycles": missed,
        "cycle": pair.cycle + 1,
        "nudges_this_cycle": 0,
        "next_meeting_on": None,
        "check_due_on": None,
        "cycle_due_on": today + rules.cadence,
        "nudge_due_on": today,
    }
    if missed >= rules.stall_missed_cycles and pair.stall_reported_at is None:
        tomorrow = today + timedelta(days=1)
        changes["stall_due_on"] = min(pair.stall_due_on or tomorrow, tomorrow)
    return changes


def after_agreement(
    rules: Rules, last_meeting_on: date | None, booked: bool, nudged: bool
) -> Changes:
    """A changed cadence moves the next meet-by day, unless a date is already booked."""
    if last_meeting_on is None or booked:
        return {}
    due = last_meeting_on + rules.cadence
    return {"cycle_due_on": due} | ({} if nudged else {"nudge_due_on": due - rules.lead})


def evaluation_dates(started_on: date, midpoint_months: int, length_months: int) -> Changes:
    return {
        "midpoint_due_on": add_months(started_on, midpoint_months),
        "end_due_on": add_months(started_on, length_months),
    }


# --- kept in step with what the pair does (applied to their Relationship row) ------


def apply(relationship: Any, changes: Changes) -> None:
    for column, value in changes.items():
        setattr(relationship, column, value)


def started(relationship: Any, scheme: Any, day: date) -> None:
    rules = rules_for(relationship.agreed_cadence, scheme)
    apply(relationship, at_start(day, scheme.midpoint_months, scheme.length_months, rules))


def logged(
    relationship: Any,
    scheme: Any,
    held_on: date,
    happened: bool,
    next_on: date | None,
    today: date,
) -> None:
    """A meeting log entry: the latest meeting starts a new cycle; one that didn't happen
    is a missed cycle; a next date booked stops the nudges."""
    rules = rules_for(relationship.agreed_cadence, scheme)
    latest = relationship.last_meeting_on is None or held_on >= relationship.last_meeting_on
    if happened and latest:
        apply(relationship, after_meeting(rules, relationship.cycle, held_on, next_on))
        return
    if not happened:
        apply(relationship, after_miss(rules, today, relationship))
    if next_on is not None:
        apply(relationship, after_booking(next_on))


def agreed(relationship: Any, scheme: Any) -> None:
    """The agreement changed: its cadence and expected length move what is due."""
    rules = rules_for(relationship.agreed_cadence, scheme)
    changes = after_agreement(
        rules,
        relationship.last_meeting_on,
        booked=relationship.next_meeting_on is not None,
        nudged=relationship.nudges_this_cycle > 0,
    )
    dates = evaluation_dates(
        relationship.started_at.date(),
        scheme.midpoint_months,
        relationship.expected_months or scheme.length_months,
    )
    if relationship.midpoint_prompted_at is None:
        changes["midpoint_due_on"] = dates["midpoint_due_on"]
    if relationship.end_prompted_at is None:
        changes["end_due_on"] = dates["end_due_on"]
    apply(relationship, changes)
