"""Mentoring tables: profiles, the tag index `find` reads, schemes, requests,
relationships, objectives, meetings, private notes, evaluations and match drafts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column

from store.anonymous import AnonymousKey
from store.models import Base

ROLES = ("mentor", "mentee", "both")
FORMATS = ("in person", "online", "either")
STAGES = ("early", "established", "senior")
REGISTRATIONS = ("RSciTech", "RSci", "CSci", "EngTech", "IEng", "CEng", "ICTTech")
EXIT_REASONS = {
    "objectives_met": "Objectives met",
    "not_working": "The relationship wasn't working",
    "circumstances": "Circumstances changed",
    "other": "Other",
}
OBJECTIVE_STATES = ("open", "progressed", "achieved")
STAGES_OF_EVALUATION = ("midpoint", "end")


# --- tables -----------------------------------------------------------------------


class MentoringProfile(Base):
    """What a member offers and looks for as a mentor or mentee (one per member)."""

    __tablename__ = "mentoring_profiles"
    __table_args__ = (Index("ix_mentoring_profiles_open", "is_mentor", "open_places"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(10))
    specialisms: Mapped[list[str]] = mapped_column(default=list)
    equipment: Mapped[list[str]] = mapped_column(default=list)
    career_stage: Mapped[str | None] = mapped_column(String(20))
    registration_held: Mapped[list[str]] = mapped_column(default=list)
    registration_sought: Mapped[list[str]] = mapped_column(default=list)
    offer: Mapped[str] = mapped_column(Text, default="")
    looking_for: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(12), default="either")
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    paused_until: Mapped[date | None] = mapped_column(Date)
    prefer_other_institution: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kept in step with relationships so `find` filters in SQL: capacity - active mentees.
    is_mentor: Mapped[bool] = mapped_column(Boolean, default=False)
    open_places: Mapped[int] = mapped_column(Integer, default=0)
    # Lower-cased specialisms, equipment and offer, for `mentor find <words>`.
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]


class MentorTag(Base):
    """One thing a mentor with room can be matched on (`s:lc-ms`), with its points, or a
    zero-point word (`w:orbitrap`) that `mentor find <words>` looks up.

    Rows exist only while the mentor has a free place, and carry the pause, so
    `find` ranks from this one index without touching the profiles.
    """

    __tablename__ = "mentor_tags"
    __table_args__ = (Index("ix_mentor_tags_tag", "tag", "member_id", "weight", "paused_until"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_profiles.member_id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(120), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)
    paused_until: Mapped[date | None] = mapped_column(Date)


class DontPair(Base):
    """A private "please don't pair me with" entry; honoured from both sides."""

    __tablename__ = "mentoring_dont_pair"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Scheme(Base):
    __tablename__ = "mentoring_schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    cadence_weeks: Mapped[int] = mapped_column(Integer, default=4)
    midpoint_months: Mapped[int] = mapped_column(Integer, default=4)
    length_months: Mapped[int] = mapped_column(Integer, default=9)
    request_days: Mapped[int] = mapped_column(Integer, default=3)
    self_select: Mapped[bool] = mapped_column(Boolean, default=True)
    # Meeting nudges: how many days before a meeting is due the mentee is nudged to
    # book it, and when a quiet pair is reported to the coordinator.
    nudge_lead_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    stall_missed_cycles: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    stall_weeks: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    created_at: Mapped[datetime]


class SchemeMember(Base):
    __tablename__ = "mentoring_scheme_members"

    scheme_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_schemes.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime]


class MentorRequest(Base):
    __tablename__ = "mentor_requests"
    __table_args__ = (
        # One pending request per mentee per scheme, enforced by the database.
        Index(
            "uq_mentor_requests_one_pending",
            "scheme_id",
            "mentee_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_mentor_requests_due", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("mentoring_schemes.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    message: Mapped[str] = mapped_column(Text, default="")
    # Private to the scheme coordinator.
    decline_reason: Mapped[str | None] = mapped_column(Text)
    via_match: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


# Each kind of due work and the date that says when (read through `next_due_on`).
DUE_DATES = {
    "nudge": "nudge_due_on",
    "check": "check_due_on",
    "cycle": "cycle_due_on",
    "stall": "stall_due_on",
    "midpoint": "midpoint_due_on",
    "end": "end_due_on",
}
NEXT_DUE = "next_due_on"
NEXT_DUE_INDEX = "ix_mentoring_relationships_next_due"
# The rows the next-due index holds. Queries say `status = 'active'` literally (not as a
# bound parameter) so both databases' planners can prove it and use the index.
NEXT_DUE_WHERE = f"status = 'active' AND {NEXT_DUE} IS NOT NULL"
# The database works out the earliest day anything is due, whoever writes the dates.
# A meet-by day is itself still in time: its work (a missed cycle) falls due the day
# after. PostgreSQL's LEAST skips NULLs; SQLite's min() does not, hence the far sentinel.
NEXT_DUE_SQL = {
    "postgresql": (
        "LEAST(nudge_due_on, check_due_on, cycle_due_on + 1, stall_due_on, midpoint_due_on, "
        "end_due_on)"
    ),
    "sqlite": (
        "NULLIF(min(coalesce(nudge_due_on, '9999-12-31'), coalesce(check_due_on, '9999-12-31'), "
        "coalesce(date(cycle_due_on, '+1 day'), '9999-12-31'), "
        "coalesce(stall_due_on, '9999-12-31'), coalesce(midpoint_due_on, '9999-12-31'), "
        "coalesce(end_due_on, '9999-12-31')), '9999-12-31')"
    ),
}


class NextDue(ColumnElement[date]):
    """The expression of the generated column `next_due_on`, in each database's words."""

    inherit_cache = True
    type = Date()


@compiles(NextDue, "postgresql")
def _next_due_postgresql(element: NextDue, compiler: Any, **kw: Any) -> str:
    return NEXT_DUE_SQL["postgresql"]


@compiles(NextDue)
def _next_due_sqlite(element: NextDue, compiler: Any, **kw: Any) -> str:
    return NEXT_DUE_SQL["sqlite"]


class Relationship(Base):
    __tablename__ = "mentoring_relationships"
    __table_args__ = (
        Index("ix_mentoring_relationships_status", "status", "scheme_id"),
        # One index for every kind of due work: each sweep is a range scan of it up to
        # today, filtered by its own date. Only active pairs with something due are in it,
        # and a sweep's update of a pair's dates writes this one index, not one per date.
        # `status` leads although it is constant inside: SQLite's planner, without ANALYZE
        # statistics, otherwise prefers the (status, scheme_id) index.
        Index(
            NEXT_DUE_INDEX,
            "status",
            NEXT_DUE,
            postgresql_where=text(NEXT_DUE_WHERE),
            sqlite_where=text(NEXT_DUE_WHERE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("mentoring_schemes.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentor_requests.id", ondelete="SET NULL"), unique=True
    )
    status: Mapped[str] = mapped_column(String(10), default="active")
    started_at: Mapped[datetime]
    # The mentoring agreement, filled in together after the first meeting.
    agreed_at: Mapped[datetime | None]
    agreed_cadence: Mapped[str | None] = mapped_column(String(40))
    agreed_format: Mapped[str | None] = mapped_column(String(12))
    confidentiality: Mapped[str | None] = mapped_column(Text)
    expected_months: Mapped[int | None] = mapped_column(Integer)
    last_meeting_on: Mapped[date | None] = mapped_column(Date)
    next_meeting_on: Mapped[date | None] = mapped_column(Date)
    midpoint_prompted_at: Mapped[datetime | None]
    end_prompted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    exit_reason: Mapped[str | None] = mapped_column(String(20))
    exit_comment: Mapped[str | None] = mapped_column(Text)
    # What is due, kept as dates so each sweep is one indexed query (handlers/nudges).
    # A cycle is the span between two meetings; the mentee books and leads each one.
    cycle: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cycle_due_on: Mapped[date | None] = mapped_column(Date)  # meet by this day
    nudge_due_on: Mapped[date | None] = mapped_column(Date)  # "time to book" from this day
    nudges_this_cycle: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    check_due_on: Mapped[date | None] = mapped_column(Date)  # "did you meet?" from this day
    missed_cycles: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stall_due_on: Mapped[date | None] = mapped_column(Date)  # report to the coordinator
    stall_reported_at: Mapped[datetime | None]
    nudges_muted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    midpoint_due_on: Mapped[date | None] = mapped_column(Date)
    end_due_on: Mapped[date | None] = mapped_column(Date)
    # The earliest of the dates above (a meet-by day counting from the day after it):
    # generated by the database, never written. Stored; on SQLite, migration 0018 adds it
    # virtual (SQLite cannot add a stored column), which its index makes no different.
    next_due_on: Mapped[date | None] = mapped_column(Date, Computed(NextDue(), persisted=True))


class Objective(Base):
    __tablename__ = "mentoring_objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="open")
    updated_at: Mapped[datetime]


class Meeting(Base):
    __tablename__ = "mentoring_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    happened: Mapped[bool] = mapped_column(Boolean)
    objectives_reviewed: Mapped[list[int]] = mapped_column(JSON, default=list)
    next_meeting_on: Mapped[date | None] = mapped_column(Date)
    logged_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class PrivateNote(Base):
    """A note on a meeting that only its author ever sees."""

    __tablename__ = "mentoring_private_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_meetings.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class EvaluationResponse(Base):
    """An anonymous answer: no member, no relationship, no time but its round.

    The key is random and the round is sealed when it closes (store/anonymous.py),
    so nothing lines the rows up with the `EvaluationReturn` receipts.
    """

    __tablename__ = "mentoring_evaluation_responses"
    __table_args__ = (
        Index("ix_mentoring_evaluation_responses_scheme", "scheme_id", "stage", "round"),
    )

    id: Mapped[int] = mapped_column(AnonymousKey, primary_key=True, autoincrement=False)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("mentoring_schemes.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(10))
    round: Mapped[str] = mapped_column(String(8))  # "2026Q1": the quarter it fell due
    role: Mapped[str] = mapped_column(String(10))
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)


class EvaluationReturn(Base):
    """Who has returned which evaluation (never what they said)."""

    __tablename__ = "mentoring_evaluation_returns"
    __table_args__ = (UniqueConstraint("relationship_id", "member_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_relationships.id", ondelete="CASCADE")
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(10))
    round: Mapped[str] = mapped_column(String(8))
    returned_on: Mapped[date] = mapped_column(Date)


class MatchDraft(Base):
    """A coordinator's batch match before approval: pairs [[mentee, mentor], ...]."""

    __tablename__ = "mentoring_match_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("mentoring_schemes.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    pairs: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[datetime]


# --- profiles and schemes ------------------------------------------------------------
