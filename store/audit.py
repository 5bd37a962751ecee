"""The audit log: an append-only record of who did what that matters.

Role grants and revocations, broadcasts sent, scheme and drive changes,
exports, erasures, outbox retries. One row per action, written in the same
unit of work as the action itself, so a rolled-back action leaves no entry.

Rows name people by member id only (never a copy of their name or e-mail), so
erasing a member leaves the log intact and pointing at a tombstone. `detail`
holds facts about the action (a role, an event's title, a count), never member
text or anything anonymous. The database refuses UPDATE and DELETE on the table
(triggers made by migration 0008).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, Member


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_actor", "actor_id", "at"),
        Index("ix_audit_log_target", "target_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    # Plain ids, not foreign keys: a member merged away or erased must not rewrite history.
    actor_id: Mapped[int | None]  # None: the command line or the system itself
    action: Mapped[str] = mapped_column(String(40))  # "<area>.<verb>", e.g. role.grant
    target_id: Mapped[int | None]  # the member acted on, if any
    subject: Mapped[str | None] = mapped_column(String(80))  # e.g. "event:12", "scheme:3"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- writing -----------------------------------------------------------------------


async def record(
    session: AsyncSession,
    action: str,
    *,
    at: datetime,
    actor_id: int | None,
    target_id: int | None = None,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's unit of work."""
    session.add(
        AuditEntry(
            at=at,
            actor_id=actor_id,
            action=action,
            target_id=target_id,
            subject=subject,
            detail=detail or {},
        )
    )
    await session.flush()


# --- reading -----------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """An entry with the names of the people in it, as they are now."""

    at: datetime
    action: str
    actor: str
    target: str | None
    subject: str | None
    detail: dict[str, Any]


async def entries(
    session: AsyncSession,
    *,
    member_id: int | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> list[Shown]:
    """The newest entries first: all, those a member did or had done to them, or since."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if member_id is not None:
        query = query.where(
            or_(AuditEntry.actor_id == member_id, AuditEntry.target_id == member_id)
        )
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    rows = list(await session.scalars(query))
    ids = {i for row in rows for i in (row.actor_id, row.target_id) if i is not None}
    names: dict[int, str] = {}
    if ids:
        found = await session.execute(
            select(Member.id, Member.display_name).where(Member.id.in_(ids))
        )
        names = {member_id: name for member_id, name in found}
    return [
        Shown(
            at=row.at,
            action=row.action,
            actor=_name(names, row.actor_id, nobody="the command line"),
            target=_name(names, row.target_id, nobody="") or None,
            subject=row.subject,
            detail=row.detail or {},
        )
        for row in rows
    ]


def _name(names: dict[int, str], member_id: int | None, *, nobody: str) -> str:
    if member_id is None:
        return nobody
    return names.get(member_id) or "a former member"
