"""The core tables: members and their identities, institutions, roles, the outbox.

Feature tables live beside their features' queries (store/mentoring/models.py, ...),
all on this one `Base` so Alembic sees them together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.types import UTCDateTime

ROLES = ("champion", "coordinator", "lead", "admin")
# Roles that hold for one institution only: the grant names it.
SCOPED_ROLES = ("lead",)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Institution(Base):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)

    departments: Mapped[list[Department]] = relationship(
        back_populates="institution", order_by="Department.name"
    )


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("institution_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))

    institution: Mapped[Institution] = relationship(back_populates="departments")


class Member(Base):
    """One technician, however many platforms they use."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    job_title: Mapped[str] = mapped_column(String(200), default="")
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="SET NULL"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    specialisms: Mapped[list[str]] = mapped_column(default=list)
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Members can pause every proactive message; honoured at send time.
    proactive_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Erased at their request: the row stays as an anonymous tombstone for aggregates.
    erased_at: Mapped[datetime | None]

    institution: Mapped[Institution | None] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    identities: Mapped[list[PlatformIdentity]] = relationship(back_populates="member")
    role_grants: Mapped[list[RoleGrant]] = relationship(
        foreign_keys="RoleGrant.member_id", viewonly=True
    )

    @property
    def roles(self) -> set[str]:
        """Every member is a member; granted roles come on top."""
        return {"member", *(grant.role for grant in self.role_grants)}


class PlatformIdentity(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    # Where a direct message to this identity goes (Teams conversation reference,
    # Slack DM channel), kept in the database so the worker can reach it.
    conversation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    profile_synced_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    unreachable_at: Mapped[datetime | None]
    unreachable_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]

    member: Mapped[Member] = relationship(back_populates="identities")


class Channel(Base):
    """A channel or group chat where the bot is installed and may post."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(100))
    channel_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    conversation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class RoleGrant(Base):
    """champion, coordinator, lead, admin. Every member is a member; that needs no row.

    A lead speaks for one institution (`institution_id`); other roles are network-wide.
    """

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("member_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE")
    )
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime]


class LinkCode(Base):
    """A one-time code that joins an identity on another platform to a member."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class InboundReceipt(Base):
    """Platform deliveries already handled, so a retried delivery has one effect."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (UniqueConstraint("platform", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    delivery_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(index=True)


# Finished outbox rows: delivered, held back, or given up. Written into queries as it is
# here (not bound), so SQLite can match the partial index.
OUTBOX_FINISHED_WHERE = "status IN ('sent', 'skipped', 'dead')"


class OutboxMessage(Base):
    """A proactive message, written in the transaction that caused it.

    `key` makes it idempotent (`nudge:<relationship>:<cycle>`); a dispatcher
    leases due rows, delivers them and marks them sent or failed.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "due_at"),
        # The retention job's range: finished rows by age. Only finished rows are in it,
        # so queueing a message (a morning's sweep queues thousands) does not write it.
        Index(
            "ix_outbox_finished",
            "status",
            "created_at",
            postgresql_where=text(OUTBOX_FINISHED_WHERE),
            sqlite_where=text(OUTBOX_FINISHED_WHERE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(String(20))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Installation(Base):
    """A platform workspace the bot is installed in (Slack OAuth installs), with its token."""

    __tablename__ = "installations"
    __table_args__ = (UniqueConstraint("platform", "enterprise_id", "workspace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    enterprise_id: Mapped[str] = mapped_column(String(100), default="")
    workspace: Mapped[str] = mapped_column(String(100))
    bot_user_id: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    installed_at: Mapped[datetime]
    uninstalled_at: Mapped[datetime | None]
