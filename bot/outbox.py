"""The durable outbox: proactive messages written with the change that caused them.

`enqueue` runs inside the caller's transaction. `dispatch_due` leases due rows
(`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's write lock serialises the
lease), delivers each through its platform's sender and records the outcome.
A row whose lease runs out (its worker died) is leased again.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import PermanentFailure, RetryLater, Sender, Target
from bot.ui import Message
from store.models import Channel, Member, OutboxMessage, PlatformIdentity
from store.upsert import insert_ignore

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
WORKER_ID = uuid.uuid4().hex[:12]


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
    """Queue a message once per `key`; False if that key was queued before."""
    if (member_id is None) == (channel_id is None):
        raise ValueError("a proactive message goes to one member or one channel")
    return await insert_ignore(
        session,
        OutboxMessage.__table__,  # type: ignore[arg-type]
        {
            "key": key[:200],
            "kind": kind,
            "member_id": member_id,
            "channel_id": channel_id,
            "payload": message.model_dump(mode="json"),
            "status": "queued",
            "due_at": due_at or now,
            "attempts": 0,
            "created_at": now,
        },
    )


async def lease_due(
    sessions: async_sessionmaker[AsyncSession], now: datetime, limit: int = 100
) -> list[int]:
    """Claim up to `limit` due rows for this worker; returns their ids."""
    async with sessions() as session, session.begin():
        due = (
            select(OutboxMessage.id)
            .where(
                or_(
                    (OutboxMessage.status == "queued") & (OutboxMessage.due_at <= now),
                    (OutboxMessage.status == "sending") & (OutboxMessage.lease_until <= now),
                )
            )
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(await session.scalars(due))
        if ids:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(status="sending", lease_owner=WORKER_ID, lease_until=now + LEASE)
            )
        return ids


async def dispatch_due(
    sessions: async_sessionmaker[AsyncSession],
    senders: Mapping[str, Sender],
    now: datetime,
    limit: int = 100,
) -> int:
    """Deliver what is due now; returns how many rows were handled."""
    handled = 0
    while ids := await lease_due(sessions, now, limit):
        for row_id in ids:
            await _deliver_one(sessions, senders, row_id, now)
        handled += len(ids)
        if len(ids) < limit:
            break
    return handled


async def _deliver_one(
    sessions: async_sessionmaker[AsyncSession],
    senders: Mapping[str, Sender],
    row_id: int,
    now: datetime,
) -> None:
    async with sessions() as session, session.begin():
        row = await session.get(OutboxMessage, row_id)
        if row is None or row.status != "sending" or row.lease_owner != WORKER_ID:
            return
        target = await _target_for(session, row)
        if target is None:
            _finish(row, "skipped", now, "paused or no reachable identity")
            return
        sender = senders.get(target.platform)
        if sender is None:
            _retry(row, now, f"no sender for {target.platform}", None)
            return
        row.platform = target.platform
        try:
            await sender.send(target, Message.model_validate(row.payload))
        except PermanentFailure as failure:
            _finish(row, "dead", now, str(failure))
        except RetryLater as later:
            _retry(row, now, str(later), later.after)
        except Exception as problem:  # a sender bug must not stop the queue
            log.exception("outbox row %s failed", row_id)
            _retry(row, now, f"{type(problem).__name__}: {problem}", None)
        else:
            _finish(row, "sent", now, None)


async def _target_for(session: AsyncSession, row: OutboxMessage) -> Target | None:
    if row.channel_id is not None:
        channel = await session.get(Channel, row.channel_id)
        if channel is None or not channel.active:
            return None
        return Target(
            channel.platform,
            channel.workspace,
            channel_id=channel.channel_id,
            conversation=channel.conversation,
            display_name=channel.name,
        )
    member = await session.get(Member, row.member_id)
    if member is None or member.proactive_paused:
        return None
    identity = await session.scalar(
        select(PlatformIdentity)
        .where(PlatformIdentity.member_id == member.id, PlatformIdentity.unreachable_at.is_(None))
        .order_by(PlatformIdentity.last_seen_at.desc().nulls_last(), PlatformIdentity.id)
        .limit(1)
    )
    if identity is None:
        return None
    return Target(
        identity.platform,
        identity.workspace,
        user_id=identity.user_id,
        conversation=identity.conversation,
        display_name=member.display_name,
    )


def _finish(row: OutboxMessage, status: str, now: datetime, error: str | None) -> None:
    row.status, row.last_error, row.lease_owner, row.lease_until = status, error, None, None
    row.attempts += 1
    if status == "sent":
        row.sent_at = now


def _retry(row: OutboxMessage, now: datetime, error: str, after: timedelta | None) -> None:
    row.attempts += 1
    if row.attempts >= MAX_ATTEMPTS:
        _finish(row, "dead", now, f"gave up after {row.attempts} tries: {error}")
        row.attempts -= 1  # _finish counted this attempt already
        return
    backoff = after or timedelta(seconds=min(3600, 2**row.attempts * 5))
    jitter = timedelta(seconds=random.uniform(0, backoff.total_seconds() * 0.1))
    row.status, row.last_error = "queued", error
    row.due_at, row.lease_owner, row.lease_until = now + backoff + jitter, None, None
