"""Mentoring: registrations, pairs started, active and closed (by exit reason), the
cross-institution share, meetings, days from request to first meeting, evaluations,
and stalled pairs rescued, for this period and the last.

A pair counts for an institution when either of the two belongs to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.anonymity import MIN_FOR_SCORES, can_show
from store.anonymous import evaluation_round, sealed
from store.mentoring.models import (
    EXIT_REASONS,
    EvaluationResponse,
    EvaluationReturn,
    Meeting,
    MentoringProfile,
    MentorRequest,
    Relationship,
)
from store.models import Member
from store.report.figures import BEFORE, NOW, Figure, Section, Table, pair, rate
from store.report.sql import Windows, by_window, medians, positions

STARTED = "Pairs started"
ACTIVE = "Pairs active"
MEETINGS = "Meetings logged"


async def section(session: AsyncSession, w: Windows, questions: Mapping[str, str]) -> Section:
    pairs = await _pairs(session, w)
    meetings = await by_window(
        session,
        select(w.which_day(Meeting.held_on), func.count())
        .join(Relationship, Relationship.id == Meeting.relationship_id)
        .where(Meeting.happened, w.spans_days(Meeting.held_on), _pair_in_scope(w))
        .group_by(*positions(1)),
    )
    registered = await _registered(session, w)
    returned = await by_window(
        session,
        select(w.which_day(EvaluationReturn.returned_on), func.count())
        .where(
            w.spans_days(EvaluationReturn.returned_on),
            w.member_in_scope(EvaluationReturn.member_id),
        )
        .group_by(*positions(1)),
    )
    waited = await medians(session, _days_to_first_meeting(w))
    figures = [
        Figure(
            "Registered mentors",
            registered.get("mentor", 0),
            None,
            "Members registered to mentor (or both) today; registrations carry no history.",
        ),
        Figure(
            "Registered mentees",
            registered.get("mentee", 0),
            None,
            "Members registered as mentees (or both) today.",
        ),
        pair(pairs["started"], STARTED, "Mentoring relationships that began in the period."),
        pair(pairs["active"], ACTIVE, "Relationships running at any time in the period."),
        pair(pairs["mentors"], "Mentors in a pair", "Distinct mentors in an active pair."),
        pair(pairs["closed"], "Pairs closed", "Relationships closed in the period, any reason."),
        Figure(
            "Cross-institution share",
            rate(pairs["cross"], pairs["started"], NOW),
            rate(pairs["cross"], pairs["started"], BEFORE),
            "Of pairs started, the share whose mentor and mentee are at different institutions.",
            "%",
        ),
        pair(meetings, MEETINGS, "Meetings logged as having happened, by the day they were held."),
        Figure(
            "Days from request to first meeting",
            waited.get(NOW),
            waited.get(BEFORE),
            "Median days from the mentee's request (or the match) to the first meeting, "
            "for pairs started in the period that have met.",
            "days",
        ),
        pair(returned, "Evaluations returned", "Mid-point and end evaluations returned."),
        pair(pairs["stalled"], "Stalled pairs", "Pairs reported to a coordinator as gone quiet."),
        pair(
            pairs["rescued"],
            "Stalled pairs rescued",
            "Of those, pairs that logged a meeting after being reported.",
        ),
        *await _outcomes(session, questions),
    ]
    closed = await _closed_by_reason(session, w)
    tables = [
        Table(
            "Pairs closed by exit reason",
            ("This period", "Last period"),
            closed,
            "Relationships closed in the period, by the reason given when closing.",
        )
    ]
    return Section("mentoring", "Mentoring", figures, tables)


def _pair_in_scope(w: Windows) -> ColumnElement[bool]:
    if w.institution_id is None:
        return true()
    return or_(w.member_in_scope(Relationship.mentor_id), w.member_in_scope(Relationship.mentee_id))


def _counted_in(w: Windows, key: str, condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0)).label(key)


async def _pairs(session: AsyncSession, w: Windows) -> dict[str, dict[str, float]]:
    """Started, active, closed, cross-institution, mentors, stalled and rescued: one query."""
    mentor, mentee = aliased(Member), aliased(Member)
    r = Relationship
    started = {key: w.which(r.started_at) == key for key in (NOW, BEFORE)}
    stalled = {key: w.which(r.stall_reported_at) == key for key in (NOW, BEFORE)}
    met_since = exists().where(
        Meeting.relationship_id == r.id,
        Meeting.happened,
        Meeting.held_on > func.date(r.stall_reported_at),
    )
    cross = and_(
        mentor.institution_id.is_not(None),
        mentee.institution_id.is_not(None),
        mentor.institution_id != mentee.institution_id,
    )
    columns = []
    for key in (NOW, BEFORE):
        active = w.overlaps(key, r.started_at, r.closed_at)
        columns += [
            _counted_in(w, f"started_{key}", started[key]),
            _counted_in(w, f"active_{key}", active),
            _counted_in(w, f"closed_{key}", w.which(r.closed_at) == key),
            _counted_in(w, f"cross_{key}", and_(started[key], cross)),
            func.count(distinct(case((active, r.mentor_id)))).label(f"mentors_{key}"),
            _counted_in(w, f"stalled_{key}", stalled[key]),
            # Only a stalled pair is looked up for a later meeting.
            func.sum(case((stalled[key], case((met_since, 1), else_=0)), else_=0)).label(
                f"rescued_{key}"
            ),
        ]
    row = (
        (
            await session.execute(
                select(*columns)
                .select_from(r)
                .join(mentor, mentor.id == r.mentor_id)
                .join(mentee, mentee.id == r.mentee_id)
                .where(
                    r.started_at < w.end,
                    or_(r.closed_at.is_(None), r.closed_at >= w.before_start),
                    _pair_in_scope(w),
                )
            )
        )
        .one()
        ._mapping
    )
    figures: dict[str, dict[str, float]] = {}
    for name, value in row.items():
        measure, key = name.rsplit("_", 1)
        figures.setdefault(measure, {})[key] = value or 0
    return figures


async def _registered(session: AsyncSession, w: Windows) -> dict[str, float]:
    p = MentoringProfile
    rows = await session.execute(
        select(
            func.sum(case((p.role.in_(("mentor", "both")), 1), else_=0)),
            func.sum(case((p.role.in_(("mentee", "both")), 1), else_=0)),
        ).where(w.member_in_scope(p.member_id))
    )
    mentors, mentees = rows.one()
    return {"mentor": mentors or 0, "mentee": mentees or 0}


def _days_to_first_meeting(w: Windows) -> Any:
    """(window, days) for each pair started in a window that has met: its first meeting
    looked up by the pair's index, rather than grouping every meeting."""
    r = Relationship
    first = (
        select(func.min(Meeting.held_on))
        .where(Meeting.relationship_id == r.id, Meeting.happened)
        .scalar_subquery()
    )
    pairs = (
        select(
            w.which(r.started_at).label("window"),
            func.coalesce(MentorRequest.created_at, r.started_at).label("asked"),
            first.label("first"),
        )
        .outerjoin(MentorRequest, MentorRequest.id == r.request_id)
        .where(w.spans(r.started_at), _pair_in_scope(w))
        .subquery()
    )
    return (
        select(
            pairs.c.window.label("window"),
            w.days_between(pairs.c.first, pairs.c.asked).label("value"),
        )
        .where(pairs.c.first.is_not(None))
        .subquery()
    )


async def _closed_by_reason(
    session: AsyncSession, w: Windows
) -> list[tuple[str, tuple[float | None, ...]]]:
    r = Relationship
    rows = await session.execute(
        select(func.coalesce(r.exit_reason, "other"), w.which(r.closed_at), func.count())
        .where(w.spans(r.closed_at), _pair_in_scope(w))
        .group_by(*positions(1, 2))
    )
    counts: dict[str, dict[str, float]] = {}
    for reason, key, count in rows.all():
        counts.setdefault(reason, {})[key] = count
    return [
        (label, (counts.get(reason, {}).get(NOW, 0), counts.get(reason, {}).get(BEFORE, 0)))
        for reason, label in EXIT_REASONS.items()
        if reason in counts
    ]


async def _outcomes(session: AsyncSession, questions: Mapping[str, str]) -> list[Figure]:
    """Average evaluation scores across the network (anonymous answers carry no date)."""
    e = EvaluationResponse
    averages = [func.avg(e.scores[key].as_float()) for key in questions]
    # Sealed rounds only: each holds 5 answers or none, and the figure moves a round at a time.
    closed = sealed(evaluation_round(e.scheme_id, e.stage, e.round))
    row = (await session.execute(select(func.count(), *averages).where(closed))).one()
    answers, values = row[0], row[1:]
    hidden = (
        None
        if can_show(answers)
        else (f"Shown from {MIN_FOR_SCORES} answers, so nobody's answer can be picked out.")
    )
    how = (
        "Average 1–5 of anonymous mid-point and end evaluations across the network, since "
        f"they began (answers carry no date, so they are not split by period); {answers} "
        f"answers; shown from {MIN_FOR_SCORES}."
    )
    return [
        Figure(
            f"Evaluation: {question}",
            None if hidden or value is None else round(float(value), 1),
            None,
            how,
            "out of 5",
            hidden,
        )
        for (key, question), value in zip(questions.items(), values, strict=True)
    ]
