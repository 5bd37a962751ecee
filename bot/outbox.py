"""The durable outbox: proactive messages written with the change that caused them.

`enqueue` runs inside the caller's transaction and is idempotent by key. The
delivery side (leasing, pacing, quiet hours, retries) is in bot/dispatcher.py;
`dispatch_due` and `lease_due` are re-exported here. What an admin sees of the
queue (`admin outbox`) is read and changed through the functions at the end.

Statuses: queued (waiting, or waiting to retry) → sending (leased by a worker)
→ sent | skipped (the member paused or muted it; not sent later) | dead (can
never be delivered; `last_error` says why; an admin may queue it again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dispatcher import Dispatcher, Leased, dispatch_due, lease_due
from bot.ui import Message
from store.models import OUTBOX_FINISHED_WHERE, Channel, Member, OutboxMessage
from store.types import RawJSON
from store.upsert import insert_ignore, insert_ignore_many

__all__ = [
    "DeadRow",
    "Dispatcher",
    "Leased",
    "Queued",
    "dispatch_due",
    "enqueue",
    "enqueue_many",
    "latest_dead",
    "lease_due",
    "requeue_dead",
    "summary",
]

RECENT = timedelta(days=7)


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    message: Message,
    now: datetime,
    member_id: int | None = None,
    channel_id: int | None = None,
    due_at: datetime | None = None,
) -> bool:
    """Queue a message once per `key`; False if that key was queued before.

    Quiet hours and a member's pause are applied when it is sent, not here, so
    a change of timezone or mind in the meantime still counts.
    """
    if (member_id is None) == (channel_id is None):
        raise ValueError("a proactive message goes to one member or one channel")
    return await insert_ignore(
        session,
        OutboxMessage.__table__,  # type: ignore[arg-type]
        _row(key, kind, message, now, member_id, channel_id, due_at),
    )


def _row(
    key: str,
    kind: str,
    message: Message | RawJSON,
    now: datetime,
    member_id: int | None,
    channel_id: int | None,
    due_at: datetime | None,
) -> dict[str, Any]:
    return {
        "key": key[:200],
        "kind": kind,
        "member_id": member_id,
        "channel_id": channel_id,
        "payload": message if isinstance(message, RawJSON) else message.model_dump(mode="json"),
        "status": "queued",
        "due_at": due_at or now,
        "attempts": 0,
        "created_at": now,
    }


@dataclass(frozen=True)
class Queued:
    """One proactive message for `enqueue_many`."""

    key: str
    kind: str
    message: Message | RawJSON  # RawJSON: already serialised, by ui.Template.fill
    member_id: int | None = None
    channel_id: int | None = None
    due_at: datetime | None = None


async def enqueue_many(session: AsyncSession, messages: list[Queued], now: datetime) -> int:
    """Queue many messages in a few statements; keys queued before are skipped."""
    rows = []
    for queued in messages:
        if (queued.member_id is None) == (queued.channel_id is None):
            raise ValueError("a proactive message goes to one member or one channel")
        rows.append(
            _row(
                queued.key,
                queued.kind,
                queued.message,
                now,
                queued.member_id,
                queued.channel_id,
                queued.due_at,
            )
        )
    return await insert_ignore_many(session, OutboxMessage.__table__, rows)  # type: ignore[arg-type]


async def queued_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """Which of these keys are in the outbox already (queued, sent or otherwise)."""
    found = await session.scalars(
        select(OutboxMessage.key).where(OutboxMessage.key.in_(list(keys)))
    )
    return set(found)


# --- what admins see ----------------------------------------------------------------


async def summary(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Counts for `admin outbox`: waiting, due now, retrying, sending, and recent outcomes."""
    counts = {"waiting": 0, "due now": 0, "retrying": 0, "sending": 0}
    # Labels, grouped by name: PostgreSQL would not match two copies of a bound expression.
    retried = (OutboxMessage.attempts > 0).label("retried")
    due = (OutboxMessage.due_at <= now).label("due")
    pending = await session.execute(
        select(OutboxMessage.status, retried, due, func.count())
        .where(OutboxMessage.status.in_(("queued", "sending")))
        .group_by(OutboxMessage.status, retried, due)
    )
    for status, was_tried, is_due, count in pending:
        if status == "sending":
            counts["sending"] += count
            continue
        counts["retrying" if was_tried else "waiting"] += count
        counts["due now"] += count if is_due else 0
    finished = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(
            text(OUTBOX_FINISHED_WHERE),  # the partial index's own words: its range, on SQLite too
            OutboxMessage.status.in_(("sent", "skipped")),
            OutboxMessage.created_at >= now - RECENT,
        )
        .group_by(OutboxMessage.status)
    )
    counts.update({f"{status} (7 days)": count for status, count in finished})
    counts["undeliverable"] = (
        await session.scalar(select(func.count()).where(OutboxMessage.status == "dead")) or 0
    )
    return counts


@dataclass(frozen=True)
class DeadRow:
    """A message that could not be delivered, as an admin may see it: no content, no ids."""

    row_id: int  # for requeue_dead only; never shown
    ref: str
    kind: str
    recipient: str
    created_at: datetime
    reason: str


def reference(key: str) -> str:
    """A short, stable reference for a row that reveals neither its id nor its key."""
    return hashlib.sha256(key.encode()).hexdigest()[:6]


async def latest_dead(session: AsyncSession, limit: int = 10) -> list[DeadRow]:
    rows = await session.execute(
        select(OutboxMessage, Member.display_name, Channel.name)
        .outerjoin(Member, Member.id == OutboxMessage.member_id)
        .outerjoin(Channel, Channel.id == OutboxMessage.channel_id)
        .where(OutboxMessage.status == "dead")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [
        DeadRow(
            row.id,
            reference(row.key),
            row.kind,
            member_name or (f"#{channel_name}" if channel_name else "someone"),
            row.created_at,
            (row.last_error or "no reason recorded")[:160],
        )
        for row, member_name, channel_name in rows
    ]


async def requeue_dead(session: AsyncSession, row_id: int, now: datetime) -> bool:
    """Give a dead message a fresh start; False if it is no longer dead."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == "dead")
        .values(status="queued", due_at=now, attempts=0, lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- what a member may see about themselves -----------------------------------------
