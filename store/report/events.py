"""Events: held, invitations, answers, attendance and its rate, repeat attendees,
institutions reached and anonymous feedback, for this period and the last.

Events count in the window they ended in. Facts about people (invitations, answers,
attendance) are counted per member, so someone on Slack and Teams counts once, and for
one institution only its members' facts count; events held count for an institution
when its champions ran them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.anonymity import MIN_FOR_SCORES, can_show
from store.events.models import Event, EventAttendance, EventDelivery, EventFeedback, EventRsvp
from store.models import Institution, Member
from store.report.figures import BEFORE, NOW, Figure, Section, Table, pair, rate
from store.report.sql import Windows, by_window, positions

# Feedback is asked for when an event ends; a period's feedback is shown once the
# answering for all its events has closed, so the figure never moves one answer at a time.
FEEDBACK_WINDOW = timedelta(days=14)

HELD = "Events held"
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
    came, attendees, places, repeaters = await _attendance(session, w)
    kept = await by_window(session, _going_who_came(w))
    figures = [
        pair(events, HELD, HOW_HELD),
        pair(invited, "Invitations", "Members an announcement was sent to, once per event."),
        pair(going, "Said going", "Members who answered Going, once per event."),
        pair(came, ATTENDANCES, HOW_ATTENDANCE),
        pair(attendees, "People who came", "Distinct members with at least one attendance."),
        Figure(
            "Attendance rate",
            rate(kept, going, NOW),
            rate(kept, going, BEFORE),
            "Of those who said Going, the share who came.",
            "%",
        ),
        pair(repeaters, "Repeat attendees", "Members who came to two or more events."),
        pair(places, "Institutions reached", "Institutions with at least one member who came."),
        await _feedback(session, w, now),
    ]
    table = Table(
        "Attendance by institution",
        ("This period", "Last period"),
        await _attendance_by_institution(session, w),
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


async def _attendance(
    session: AsyncSession, w: Windows
) -> tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, float]]:
    """Attendances, distinct people, institutions reached and repeat attendees: one query."""
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
            func.sum(per_person.c.times),
            func.count(),
            func.count(distinct(per_person.c.institution_id)),
            func.sum(case((per_person.c.times >= 2, 1), else_=0)),
        ).group_by(per_person.c.window)
    )
    came: dict[str, float] = {}
    people: dict[str, float] = {}
    places: dict[str, float] = {}
    repeaters: dict[str, float] = {}
    for key, times, count, institutions, repeat in rows.all():
        came[key], people[key], places[key], repeaters[key] = times, count, institutions, repeat
    return came, people, places, repeaters


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
    """The average score of events whose answering has closed, under the anonymity rule."""
    rows = await session.execute(
        select(w.which(Event.ends_at), func.count(), func.avg(EventFeedback.score))
        .select_from(EventFeedback)
        .join(Event, Event.id == EventFeedback.event_id)
        .where(_held(w), Event.ends_at <= now - FEEDBACK_WINDOW)
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


async def _attendance_by_institution(
    session: AsyncSession, w: Windows
) -> list[tuple[str, tuple[float | None, ...]]]:
    place = func.coalesce(Institution.name, "No institution given")
    rows = await session.execute(
        _attended(w, place, w.which(Event.ends_at), func.count())
        .outerjoin(Institution, Institution.id == Member.institution_id)
        .group_by(*positions(1, 2))
    )
    table: dict[str, dict[str, float]] = {}
    for name, key, count in rows.all():
        table.setdefault(name, {})[key] = count
    ordered = sorted(table.items(), key=lambda item: (-item[1].get(NOW, 0), item[0]))
    return [(name, (counts.get(NOW, 0), counts.get(BEFORE, 0))) for name, counts in ordered]
