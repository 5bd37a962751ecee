"""The monthly digest's five numbers for every institution at once, this month and the one
before: five grouped queries whatever the size of the network.

Events run count for the institution whose champion ran them; attendances and active
members for the member's institution; a mentoring pair (and its meetings) for each
institution either of the two belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.events.models import Event, EventAttendance
from store.mentoring.models import Meeting, Relationship
from store.models import Member
from store.report import reach
from store.report.figures import BEFORE, NOW
from store.report.sql import Windows, positions

EVENTS, ATTENDANCES, PAIRS, MEETINGS, ACTIVE = (
    "Events run",
    "Attendances",
    "Mentoring pairs active",
    "Meetings logged",
    "Active members",
)
MEASURES = (EVENTS, ATTENDANCES, PAIRS, MEETINGS, ACTIVE)

# {institution id: {measure: {"now": n, "before": n}}}
Numbers = dict[int, dict[str, dict[str, float]]]


async def numbers(session: AsyncSession, w: Windows) -> Numbers:
    found: Numbers = {}
    for measure, query in (
        (EVENTS, _events(w)),
        (ATTENDANCES, _attendances(w)),
        (MEETINGS, _meetings(w)),
        (ACTIVE, _active(w)),
    ):
        _collect(found, measure, (await session.execute(query)).all())
    _collect(found, PAIRS, await _pairs(session, w))
    return found


def _collect(found: Numbers, measure: str, rows: Iterable[Any]) -> None:
    for institution_id, key, count in rows:
        if institution_id is not None and key is not None:
            found.setdefault(institution_id, {}).setdefault(measure, {})[key] = count or 0


def _events(w: Windows) -> Any:
    return (
        select(Member.institution_id, w.which(Event.ends_at), func.count())
        .join(Member, Member.id == Event.champion_id)
        .where(Event.status == "sent", w.spans(Event.ends_at))
        .group_by(*positions(1, 2))
    )


def _attendances(w: Windows) -> Any:
    return (
        select(Member.institution_id, w.which(Event.ends_at), func.count())
        .select_from(EventAttendance)
        .join(Event, Event.id == EventAttendance.event_id)
        .join(Member, Member.id == EventAttendance.member_id)
        .where(Event.status == "sent", w.spans(Event.ends_at))
        .group_by(*positions(1, 2))
    )


def _either_of_the_pair() -> ColumnElement[bool]:
    return or_(Member.id == Relationship.mentor_id, Member.id == Relationship.mentee_id)


def _meetings(w: Windows) -> Any:
    return (
        select(
            Member.institution_id, w.which_day(Meeting.held_on), func.count(distinct(Meeting.id))
        )
        .join(Relationship, Relationship.id == Meeting.relationship_id)
        .join(Member, _either_of_the_pair())
        .where(Meeting.happened, w.spans_days(Meeting.held_on))
        .group_by(*positions(1, 2))
    )


async def _pairs(session: AsyncSession, w: Windows) -> list[tuple[int | None, str, float]]:
    r = Relationship
    rows: list[tuple[int | None, str, float]] = []
    for key in (NOW, BEFORE):
        query = (
            select(Member.institution_id, func.count(distinct(r.id)))
            .join(Member, _either_of_the_pair())
            .where(w.overlaps(key, r.started_at, r.closed_at))
            .group_by(Member.institution_id)
        )
        rows += [
            (institution, key, count) for institution, count in (await session.execute(query)).all()
        ]
    return rows


def _active(w: Windows) -> Any:
    done = reach.activity(w)
    return (
        select(Member.institution_id, w.which(done.c.at), func.count(distinct(done.c.member_id)))
        .select_from(done)
        .join(Member, Member.id == done.c.member_id)
        .group_by(*positions(1, 2))
    )
