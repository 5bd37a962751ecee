"""Events: held, invitations, answers, attendance and its rate, repeat attendees,
institutions reached and anonymous feedback, for this period and the last.

Events count in the window they ended in. Facts about people (invitations, answers,
attendance) are counted per member, so someone on Slack and Teams counts once, and for
one institution only its members' facts count; events held count for an institution
when its champions ran them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.anonymity import MIN_FOR_SCORES, can_show
from store.anonymous import event_round, sealed
from store.events.models import Event, EventAttendance, EventDelivery, EventFeedback, EventRsvp
from store.models import Institution, Member
from store.report.figures import BEFORE, NOW, Figure, Section, Table, pair, rate
from store.report.sql import Windows, by_window, positions

# Feedback is asked for when an event ends; a period's feedback is shown once the
# answering for all its events has closed, so the figure never moves one answer at a time.
FEEDBACK_WINDOW = timedelta(days=14)

HELD = "Events held"
NO_INSTITUTION = "No institution given"
ATTENDANCES = "Attendances"
HOW_HELD = (
    "Events announced and not cancelled that ended in the period; for one institution, "
    "those its champions ran."
)
HOW_ATTENDANCE = "Attendance = checked in with the event's code or marked by the organiser."


async def section(session: AsyncSession, w: Windows, now: datetime) -> Section:
    events = await by_window(
        session,
        select(w.which(Event.ends_at), func.count()).where(_held(w)).group_by(*positions(1)),
    )
    invited = await by_window(session, _per_window(w, EventDelivery))
    going = await by_window(session, _per_window(w, EventRsvp, EventRsvp.answer == "going"))
    attended = await _attendance(session, w)
    kept = await by_window(session, _going_who_came(w))
    figures = [
        pair(events, HELD, HOW_HELD),
        pair(invited, "Invitations", "Members an announcement was sent to, once per event."),
        pair(going, "Said going", "Members who answered Going, once per event."),
        pair(attended.came, ATTENDANCES, HOW_ATTENDANCE),
        pair(attended.people, "People who came", "Distinct members with at least one attendance."),
        Figure(
            "Attendance rate",
            rate(kept, going, NOW),
            rate(kept, going, BEFORE),
            "Of those who said Going, the share who came.",
            "%",
        ),
        pair(attended.repeaters, "Repeat attendees", "Members who came to two or more events."),
        pair(
            attended.places,
            "Institutions reached",
            "Institutions with at least one member who came.",
        ),
        await _feedback(session, w, now),
    ]
    table = Table(
        "Attendance by institution",
        ("This period", "Last period"),
        attended.table(),
        "Attendances by the member's institution. " + HOW_ATTENDANCE,
    )
    return Section("events", "Events", figures, [table])


def _held(w: Windows) -> ColumnElement[bool]:
    """Events that count: announced, not cancelled, ended in either window, in scope."""
    held = and_(Event.status == "sent", w.spans(Event.ends_at))
    if w.institution_id is None:
        return held
    return and_(held, w.member_in_scope(Event.champion_id))


def _per_window(w: Windows, table: Any, *more: ColumnElement[bool]) -> Any:
    """Rows of a per-member event table (deliveries, answers) for events ended in each window."""
    return (
        select(w.which(Event.ends_at), func.count())
        .select_from(table)
        .join(Event, Event.id == table.event_id)
        .where(
            Event.status == "sent",
            w.spans(Event.ends_at),
            w.member_in_scope(table.member_id),
            *more,
        )
        .group_by(*positions(1))
    )


@dataclass
class Attendance:
    """Attendances, distinct people, institutions reached, repeat attendees (per window)
    and attendances by institution (this window and the last)."""

    came: dict[str, float] = field(default_factory=dict)
    people: dict[str, float] = field(default_factory=dict)
    places: dict[str, float] = field(default_factory=dict)
    repeaters: dict[str, float] = field(default_factory=dict)
    by_place: dict[str, dict[str, float]] = field(default_factory=dict)

    def add(self, key: str, place: str | None, times: float, people: float, repeat: float) -> None:
        for measure, value in (
            (self.came, times),
            (self.people, people),
            (self.repeaters, repeat),
            (self.places, 1 if place else 0),
        ):
            measure[key] = measure.get(key, 0) + value
        self.by_place.setdefault(place or NO_INSTITUTION, {})[key] = times

    def table(self) -> list[tuple[str, tuple[float | None, ...]]]:
        ordered = sorted(self.by_place.items(), key=lambda item: (-item[1].get(NOW, 0), item[0]))
        return [(name, (counts.get(NOW, 0), counts.get(BEFORE, 0))) for name, counts in ordered]


async def _attendance(session: AsyncSession, w: Windows) -> Attendance:
    """Everything about who came, in one query: each (window, member) once with how many
    times they came, then by window and institution. A member has one institution, so
    adding up over institutions gives distinct people exactly."""
    window = w.which(Event.ends_at).label("window")
    per_person = (
        _attended(
            w, window, EventAttendance.member_id, Member.institution_id, func.count().label("times")
        )
        .group_by(*positions(1, 2, 3))
        .subquery()
    )
    rows = await session.execute(
        select(
            per_person.c.window,
            Institution.name,
            func.sum(per_person.c.times),
            func.count(),
            func.sum(case((per_person.c.times >= 2, 1), else_=0)),
        )
        .select_from(per_person)
        .outerjoin(Institution, Institution.id == per_person.c.institution_id)
        .group_by(*positions(1, 2))
    )
    found = Attendance()
    for key, place, times, people, repeat in rows.all():
        if key:
            found.add(key, place, times, people, repeat)
    return found


def _attended(w: Windows, *columns: Any) -> Any:
    """Attendances at events ended in either window, by members in scope, with the member."""
    return (
        select(*columns)
        .select_from(EventAttendance)
        .join(Event, Event.id == EventAttendance.event_id)
        .join(Member, Member.id == EventAttendance.member_id)
        .where(
            Event.status == "sent",
            w.spans(Event.ends_at),
            w.member_in_scope(EventAttendance.member_id),
        )
    )


def _going_who_came(w: Windows) -> Any:
    return _per_window(w, EventRsvp, EventRsvp.answer == "going").join(
        EventAttendance,
        and_(
            EventAttendance.event_id == EventRsvp.event_id,
            EventAttendance.member_id == EventRsvp.member_id,
        ),
    )


async def _feedback(session: AsyncSession, w: Windows, now: datetime) -> Figure:
    """The average score of events whose answering has closed and whose answers are sealed
    (store/anonymous.py: each then holds 5 answers or none), under the anonymity rule."""
    rows = await session.execute(
        select(w.which(Event.ends_at), func.count(), func.avg(EventFeedback.score))
        .select_from(EventFeedback)
        .join(Event, Event.id == EventFeedback.event_id)
        .where(_held(w), Event.ends_at <= now - FEEDBACK_WINDOW, sealed(event_round(Event.id)))
        .group_by(*positions(1))
    )
    found = {key: (count, average) for key, count, average in rows.all() if key}
    shown = {
        key: round(float(average), 1)
        for key, (count, average) in found.items()
        if can_show(count, "score")
    }
    hidden = None
    if found.get(NOW) and NOW not in shown:
        hidden = f"Shown from {MIN_FOR_SCORES} answers, so nobody's answer can be picked out."
    how = (
        f"Average of anonymous 1–5 scores, for events whose {FEEDBACK_WINDOW.days}-day "
        f"answering window has closed; shown only from {MIN_FOR_SCORES} answers."
    )
    return Figure("Feedback score", shown.get(NOW), shown.get(BEFORE), how, "out of 5", hidden)
