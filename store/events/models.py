"""Event tables: events, RSVPs, the delivery ledger, attendance and anonymous feedback."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.anonymous import AnonymousKey
from store.models import Base

STATUSES = ("draft", "sent", "cancelled")
ANSWERS = ("going", "maybe", "not_going", "waitlist")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
CODE_LENGTH = 6
OPEN_LOOKAHEAD = 100  # upcoming events considered for one member's list
RECENT = timedelta(days=30)  # how long an event stays on its champion's list after it ends


# --- tables -----------------------------------------------------------------------


class Event(Base):
    """A hub event. `audience` is who hears about it: {"network": bool,
    "institutions": [ids], "interests": [words], "channels": [ids]}."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_status_starts", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    rsvp_deadline: Mapped[datetime | None]
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    network_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # Calendar files: the same UID for ever, SEQUENCE up by one on each change.
    uid: Mapped[str] = mapped_column(String(100), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True)
    checkin_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    champion_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    reach: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    reminded_day_at: Mapped[datetime | None]
    reminded_hour_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EventRsvp(Base):
    """A member's answer. Waitlisted answers keep their place in `position`."""

    __tablename__ = "event_rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id"),
        Index("ix_event_rsvps_answer", "event_id", "answer", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(12))
    position: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime]


class EventDelivery(Base):
    """The delivery ledger: one row per member an announcement went to. Its outbox row is
    the one keyed `broadcast_key(event, member)`; the status is read from there."""

    __tablename__ = "event_deliveries"
    __table_args__ = (Index("ix_event_deliveries_member", "member_id"),)

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )


class EventChannelPost(Base):
    """The ledger's channel rows: each channel an announcement was posted in."""

    __tablename__ = "event_channel_posts"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )


class EventAttendance(Base):
    """Who came, marked by the champion or by checking in with the event's code."""

    __tablename__ = "event_attendance"
    __table_args__ = (UniqueConstraint("event_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    how: Mapped[str] = mapped_column(String(12))  # champion | checkin
    recorded_at: Mapped[datetime]


class EventFeedbackReceipt(Base):
    """That a member has given feedback on an event (never what they said).

    Kept apart from attendance, so unticking and ticking someone again never lets
    them answer twice."""

    __tablename__ = "event_feedback_receipts"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class EventFeedback(Base):
    """An anonymous answer: no member, no time, a random key (store/anonymous.py)."""

    __tablename__ = "event_feedback"

    id: Mapped[int] = mapped_column(AnonymousKey, primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
