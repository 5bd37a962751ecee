"""A member's own account data, exported and erased; and the one-time confirmations
that an erasure needs.

Each feature exports and erases what it holds itself (bot.router.PersonalData);
this module covers the core: the member row, identities, roles, link codes,
messages queued or sent to them, their files, paged replies only they could
read, and the audit entries about them.

Erasing keeps the member row as a tombstone: no name, e-mail, job, department,
specialisms or identities, so nothing can reach or name them again, while what
aggregates need (a meeting happened, an attendance counted, an institution's
totals) still adds up. Anonymous answers are never touched: they were never
linked to anyone, and deleting "theirs" would need a link that does not exist.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, String, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from store.audit import AuditEntry
from store.files import StoredFile
from store.models import (
    Base,
    Institution,
    LinkCode,
    Member,
    OutboxMessage,
    PlatformIdentity,
    RoleGrant,
)
from store.overflow import OverflowReply

TOMBSTONE_NAME = "Former member"
CONFIRM_FOR = timedelta(minutes=15)
UNSENT = ("queued", "sending")
ERASED_PAYLOAD: dict[str, Any] = {"erased": True}
# The core tables that refer to a member (the features name their own).
TABLES = (
    "members",
    "identities",
    "role_grants",
    "link_codes",
    "outbox",
    "stored_files",
    "audit_log",
    "privacy_confirmations",
)


class PrivacyConfirmation(Base):
    """An erasure waiting for its confirmation: the button carries only `token`, and the
    erasure acts on `target_id` only for `requester_id` (the verified person who asked)."""

    __tablename__ = "privacy_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(20))  # "member", or "identity:<id>"
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


# --- confirmations -------------------------------------------------------------------


async def ask_confirmation(
    session: AsyncSession, requester_id: int, target_id: int, scope: str, now: datetime
) -> str:
    token = secrets.token_urlsafe(24)
    session.add(
        PrivacyConfirmation(
            token=token,
            requester_id=requester_id,
            target_id=target_id,
            scope=scope,
            created_at=now,
            expires_at=now + CONFIRM_FOR,
        )
    )
    await session.flush()
    return token


async def take_confirmation(
    session: AsyncSession, token: str, requester_id: int, now: datetime
) -> PrivacyConfirmation | None:
    """The confirmation behind a pressed button, used up; None if it is not this
    person's, has expired or was used (a second press, a forged or replayed value)."""
    found = await session.scalar(
        select(PrivacyConfirmation)
        .where(
            PrivacyConfirmation.token == token[:64],
            PrivacyConfirmation.requester_id == requester_id,
            PrivacyConfirmation.used_at.is_(None),
            PrivacyConfirmation.expires_at > now,
        )
        .with_for_update()
    )
    if found is None:
        return None
    claimed = await session.execute(
        update(PrivacyConfirmation)
        .where(PrivacyConfirmation.id == found.id, PrivacyConfirmation.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return found if claimed.rowcount else None  # type: ignore[attr-defined]


# --- export --------------------------------------------------------------------------


async def export_account(session: AsyncSession, member_id: int) -> dict[str, Any]:
    member = await session.get(Member, member_id)
    assert member is not None
    institution = (
        await session.get(Institution, member.institution_id) if member.institution_id else None
    )
    identities = await session.scalars(
        select(PlatformIdentity)
        .where(PlatformIdentity.member_id == member_id)
        .order_by(PlatformIdentity.id)
    )
    grants = await session.scalars(
        select(RoleGrant).where(RoleGrant.member_id == member_id).order_by(RoleGrant.id)
    )
    messages = await session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count())
        .where(OutboxMessage.member_id == member_id)
        .group_by(OutboxMessage.kind, OutboxMessage.status)
        .order_by(OutboxMessage.kind, OutboxMessage.status)
    )
    audit = await session.scalars(
        select(AuditEntry)
        .where(or_(AuditEntry.actor_id == member_id, AuditEntry.target_id == member_id))
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    files = await session.execute(
        select(StoredFile.filename, StoredFile.created_at, StoredFile.expires_at)
        .where(StoredFile.owner_id == member_id)
        .order_by(StoredFile.id)
    )
    return {
        "profile": {
            "name": member.display_name,
            "email": member.email,
            "job_title": member.job_title,
            "institution": institution.name if institution else None,
            "department": member.department.name if member.department else None,
            "specialisms": list(member.specialisms or []),
            "timezone": member.timezone,
            "messages_paused": member.proactive_paused,
            "member_since": member.created_at.isoformat(),
        },
        "identities": [
            {
                "platform": identity.platform,
                "workspace": identity.workspace,
                "user_id": identity.user_id,
                "name": identity.display_name,
                "email": identity.email,
                "first_seen": identity.created_at.isoformat(),
                "last_seen": _iso(identity.last_seen_at),
            }
            for identity in identities
        ],
        "roles": [
            {"role": grant.role, "granted_at": grant.granted_at.isoformat()} for grant in grants
        ],
        "messages_to_you": [
            {"kind": kind, "status": status, "count": count} for kind, status, count in messages
        ],
        "audit_log": [
            {
                "at": entry.at.isoformat(),
                "action": entry.action,
                "you_were": "actor" if entry.actor_id == member_id else "subject",
                "detail": entry.detail,
            }
            for entry in audit
        ],
        "files": [
            {"name": name, "created_at": made.isoformat(), "expires_at": ends.isoformat()}
            for name, made, ends in files
        ],
    }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


# --- erasure -------------------------------------------------------------------------


async def identity_ids(session: AsyncSession, member_id: int) -> list[int]:
    found = await session.scalars(
        select(PlatformIdentity.id).where(PlatformIdentity.member_id == member_id)
    )
    return list(found)


async def erase_identity(session: AsyncSession, member_id: int, identity_id: int) -> bool:
    """Forget one platform identity of a member who keeps the others."""
    identity = await session.get(PlatformIdentity, identity_id)
    if identity is None or identity.member_id != member_id:
        return False
    await _drop_paged_replies(session, [identity])
    await session.delete(identity)
    await session.flush()
    return True


async def erase_account(session: AsyncSession, member_id: int, now: datetime) -> bool:
    """Turn the member into a tombstone; False if they already are one."""
    member = await session.get(Member, member_id, with_for_update={"of": Member})
    if member is None or member.erased_at is not None:
        return False
    identities = list(
        await session.scalars(
            select(PlatformIdentity).where(PlatformIdentity.member_id == member_id)
        )
    )
    await _drop_paged_replies(session, identities)
    for table, column in (
        (PlatformIdentity, PlatformIdentity.member_id),
        (RoleGrant, RoleGrant.member_id),
        (LinkCode, LinkCode.member_id),
        (StoredFile, StoredFile.owner_id),
    ):
        await session.execute(delete(table).where(column == member_id))
    # Queued messages to them are dropped; those sent keep only that they were sent.
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.member_id == member_id, OutboxMessage.status.in_(UNSENT)
        )
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.member_id == member_id)
        .values(payload=ERASED_PAYLOAD, last_error=None)
        .execution_options(synchronize_session=False)
    )
    member.display_name, member.email, member.email_verified = TOMBSTONE_NAME, None, False
    member.job_title, member.department_id, member.specialisms = "", None, []
    member.timezone, member.proactive_paused = None, True
    member.erased_at = member.updated_at = now
    await session.flush()
    return True


async def _drop_paged_replies(session: AsyncSession, identities: list[PlatformIdentity]) -> None:
    for identity in identities:
        await session.execute(
            delete(OverflowReply).where(
                OverflowReply.platform == identity.platform,
                OverflowReply.reader == identity.user_id,
            )
        )
