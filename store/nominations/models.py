"""Award nomination drives: a drive, its categories and panel, nominations, scores.

A drive (the Papin Prizes 2027, a Technician of the Year) has one coordinator,
categories with their eligibility and word limits, a review panel and the
criteria the panel scores against. A nomination is one nominee in one category;
a second nomination of the same person there is a supporting statement on it
(the unique key decides, however many arrive at once). A declined nomination
is deleted with its statements and kept only as a count on its category.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models import Base

# draft (being set up) → open (taking nominations until the internal deadline; the
# panel reviews after it) → closed (certificates go out; winners may still be recorded).
DRIVE_STATUSES = ("draft", "open", "closed")
# awaiting (the nominee has not answered) → accepted. A decline deletes the row.
NOMINATION_STATUSES = ("awaiting", "accepted")
DEFAULT_CRITERIA = ["Impact", "Innovation", "Collaboration", "Beyond the role"]


class Drive(Base):
    __tablename__ = "nomination_drives"
    __table_args__ = (Index("ix_nomination_drives_status", "status", "internal_deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    award: Mapped[str] = mapped_column(Text, default="")  # what the external award is
    coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # Nominations close at the internal deadline; the panel scores until `review_until`;
    # the coordinator submits to the award body by the external deadline.
    internal_deadline: Mapped[datetime]
    review_until: Mapped[datetime]
    external_deadline: Mapped[datetime]
    criteria: Mapped[list[str]] = mapped_column(default=list)
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reach: Mapped[int] = mapped_column(Integer, default=0)
    year: Mapped[int] = mapped_column(Integer)
    announced_at: Mapped[datetime | None]
    # Reminders already queued: members who have not nominated (twice at most), reviewers.
    reminded_first_at: Mapped[datetime | None]
    reminded_last_at: Mapped[datetime | None]
    review_opened_at: Mapped[datetime | None]  # the panel told reviewing is open
    reminded_panel_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    categories: Mapped[list[Category]] = relationship(
        back_populates="drive", order_by="Category.position, Category.id", lazy="selectin"
    )


class Category(Base):
    __tablename__ = "nomination_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(
        ForeignKey("nomination_drives.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")  # the rule in words
    # Optional checks: career stages (mentoring profile) and institutions; empty = anyone.
    career_stages: Mapped[list[str]] = mapped_column(default=list)
    institutions: Mapped[list[int]] = mapped_column(JSON, default=list)
    word_limit: Mapped[int] = mapped_column(Integer, default=500)
    self_nomination: Mapped[bool] = mapped_column(Boolean, default=False)
    declined: Mapped[int] = mapped_column(Integer, default=0)  # all that is kept of a decline

    drive: Mapped[Drive] = relationship(back_populates="categories", lazy="joined")


class Panelist(Base):
    __tablename__ = "nomination_panelists"
    __table_args__ = (UniqueConstraint("drive_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("nomination_drives.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)


class Nomination(Base):
    __tablename__ = "nominations"
    __table_args__ = (UniqueConstraint("category_id", "nominee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(
        ForeignKey("nomination_drives.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("nomination_categories.id", ondelete="CASCADE")
    )
    nominee_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    nominator_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="awaiting")
    facts: Mapped[str] = mapped_column(Text, default="")  # the nominee's own, on accepting
    # The nominee's institution when nominated: the report counts it there for good.
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="SET NULL")
    )
    shortlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    winner: Mapped[bool] = mapped_column(Boolean, default=False)
    certificate_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    supports: Mapped[list[Support]] = relationship(
        back_populates="nomination",
        order_by="Support.id",
        lazy="selectin",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Support(Base):
    """A second (third…) nomination of the same person in the same category."""

    __tablename__ = "nomination_supports"
    __table_args__ = (UniqueConstraint("nomination_id", "supporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    statement: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    nomination: Mapped[Nomination] = relationship(back_populates="supports", lazy="joined")


class Score(Base):
    """One panel member's scores for one nomination: 1–5 per criterion and a comment."""

    __tablename__ = "nomination_scores"
    __table_args__ = (UniqueConstraint("nomination_id", "panelist_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nominations.id", ondelete="CASCADE"), index=True
    )
    panelist_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mean: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    scored_at: Mapped[datetime]


class Conflict(Base):
    """A panel member's declared conflict of interest: they may not score that nomination.
    Sharing the nominee's institution is a conflict too, worked out rather than stored."""

    __tablename__ = "nomination_conflicts"
    __table_args__ = (UniqueConstraint("nomination_id", "panelist_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nominations.id", ondelete="CASCADE"), index=True
    )
    panelist_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    declared_at: Mapped[datetime]


class Feedback(Base):
    """The coordinator's advice to a nominator, to strengthen a statement."""

    __tablename__ = "nomination_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nominations.id", ondelete="CASCADE"), index=True
    )
    coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]
