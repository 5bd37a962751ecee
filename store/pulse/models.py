"""Pulse survey tables.

Who answered and what was answered never meet (DESIGN.md, "Anonymity"):

- `pulse_receipts` says that a member answered a round, and on which day. It is
  used for reminders (to those who have not answered only) and for "you answered
  on Tuesday — change?". It holds nothing of the answer.
- `pulse_answers` holds an open round's answers: a random id, the round, the
  respondent's breakdown cell (institution, network role), the answers, and an
  owner tag (a keyed hash under the round's own random seal) so the respondent,
  and nobody browsing the rows, can find it again to change it. No member id, no
  platform id, no time at all. The table has no rowid on SQLite (rows sit in
  random-id order) and its rows are rewritten in a shuffled order by the tick on
  every database, so neither insertion order nor PostgreSQL's row positions and
  transaction ids line up with the receipts.
- When a round closes it is sealed: its answers are folded into
  `pulse_tallies` (counts per breakdown cell, question and value) and
  `pulse_comments` (the free text, no attribute at all, in random order), the
  answer rows are deleted and the round's seal is wiped. Nothing then links a
  closed round's results to a person, and nothing can change them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base

# Where a member with no institution is counted in a breakdown (never shown by name).
NO_INSTITUTION = 0


class PulseSurvey(Base):
    """A survey a coordinator set up. `questions` is a list of
    {"key", "kind", "prompt", "options", "low", "high"}; `audience` is
    {"network": bool, "institutions": [ids], "roles": [names], "channels": [ids]}."""

    __tablename__ = "pulse_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(150))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # None: once. Otherwise a new numbered round every this many weeks.
    every_weeks: Mapped[int | None] = mapped_column(Integer)
    rounds: Mapped[int] = mapped_column(Integer, default=1)
    open_days: Mapped[int] = mapped_column(Integer, default=7)
    # Days after a round opens when those who have not answered are reminded.
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | sent | stopped
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class PulseRound(Base):
    """One numbered round: scheduled → open → closed (sealed)."""

    __tablename__ = "pulse_rounds"
    __table_args__ = (
        UniqueConstraint("survey_id", "number"),
        Index("ix_pulse_rounds_due", "status", "opens_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("pulse_surveys.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    # Random key for the owner tags of this round's answers; wiped when it closes.
    seal: Mapped[str | None] = mapped_column(String(64))
    # Answers written since the last shuffle (the tick rewrites them in random order).
    unsettled: Mapped[bool] = mapped_column(default=False)
    reminded: Mapped[list[int]] = mapped_column(JSON, default=list)
    invited: Mapped[int] = mapped_column(Integer, default=0)
    respondents: Mapped[int] = mapped_column(Integer, default=0)  # set when it closes
    closed_at: Mapped[datetime | None]


class PulseReceipt(Base):
    """That a member answered a round (never what): reminders and "change your answer"."""

    __tablename__ = "pulse_receipts"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    answered_on: Mapped[date] = mapped_column(Date)


class PulseAnswer(Base):
    """An open round's answer: no member, no platform id, no time, no sequence."""

    __tablename__ = "pulse_answers"
    __table_args__ = (
        Index("ix_pulse_answers_round_tag", "round_id", "tag"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(64))
    institution_id: Mapped[int] = mapped_column(Integer, default=NO_INSTITUTION)
    role: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)


class PulseTally(Base):
    """A sealed round's counts: per breakdown cell, question and value.

    `question` "" with `value` "" counts the cell's respondents."""

    __tablename__ = "pulse_tallies"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    institution_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    question: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class PulseComment(Base):
    """A sealed round's free text, with no attribute that narrows who wrote it."""

    __tablename__ = "pulse_comments"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
