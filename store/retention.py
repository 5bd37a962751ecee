"""Removing what is past its retention period, a small batch at a time.

Each call deletes at most `batch` rows in the caller's (short) transaction, so a
purge of a million rows never holds a lock that stalls turns: they slip in
between batches. Only what has no further use is removed: delivered (or given
up) outbox rows, private notes of relationships long closed, paged replies,
old events' delivery ledgers, platform delivery receipts, expired files and
erasure confirmations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.data_rights import PrivacyConfirmation
from store.events.models import Event, EventChannelPost, EventDelivery
from store.files import StoredFile
from store.mentoring.models import Meeting, PrivateNote, Relationship
from store.models import OUTBOX_FINISHED_WHERE, InboundReceipt, OutboxMessage
from store.overflow import OverflowReply

Purge = Callable[[AsyncSession, datetime, int], Awaitable[int]]


@dataclass(frozen=True)
class Rule:
    """What goes (`name`, for the log), and the setting that says after how many days."""

    name: str
    setting: str | None  # None: expired by its own date (files, confirmations)
    purge: Purge


async def _by_id(session: AsyncSession, table: type, id_query: Any) -> int:
    """Delete the rows `id_query` picks, in one statement: the ids never leave the database."""
    result = await session.execute(
        delete(table)
        .where(table.id.in_(id_query.scalar_subquery()))  # type: ignore[attr-defined]
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def finished_outbox(cutoff: datetime, batch: int) -> Any:
    """Finished outbox rows older than `cutoff`: a range of the partial index ix_outbox_finished,
    whose predicate the query states word for word (store.models)."""
    return (
        select(OutboxMessage.id)
        .where(text(OUTBOX_FINISHED_WHERE), OutboxMessage.created_at < cutoff)
        .limit(batch)
    )


async def outbox(session: AsyncSession, cutoff: datetime, batch: int) -> int:
    return await _by_id(session, OutboxMessage, finished_outbox(cutoff, batch))


async def closed_notes(session: AsyncSession, cutoff: datetime, batch: int) -> int:
    removed = await _by_id(
        session,
        PrivateNote,
        select(PrivateNote.id)
        .join(Meeting, Meeting.id == PrivateNote.meeting_id)
        .join(Relationship, Relationship.id == Meeting.relationship_id)
        .where(Relationship.status == "closed", Relationship.closed_at < cutoff)
        .limit(batch),
    )
    if removed < batch:  # the exit comments go with the notes, once they are done
        await session.execute(
            update(Relationship)
            .where(
                Relationship.status == "closed",
                Relationship.closed_at < cutoff,
                Relationship.exit_comment.is_not(None),
            )
            .values(exit_comment=None)
            .execution_options(synchronize_session=False)
        )
    return removed


async def paged_replies(session: AsyncSession, cutoff: datetime, batch: int) -> int:
    return await _by_id(
        session,
        OverflowReply,
        select(OverflowReply.id).where(OverflowReply.created_at < cutoff).limit(batch),
    )


async def event_ledgers(session: AsyncSession, cutoff: datetime, batch: int) -> int:
    ended = select(Event.id).where(Event.ends_at < cutoff)
    keys = (
        await session.execute(
            select(EventDelivery.event_id, EventDelivery.member_id)
            .where(EventDelivery.event_id.in_(ended))
            .limit(batch)
        )
    ).all()
    if keys:
        await session.execute(
            delete(EventDelivery)
            .where(tuple_(EventDelivery.event_id, EventDelivery.member_id).in_(keys))
            .execution_options(synchronize_session=False)
        )
    if len(keys) < batch:
        await session.execute(
            delete(EventChannelPost)
            .where(EventChannelPost.event_id.in_(ended))
            .execution_options(synchronize_session=False)
        )
    return len(keys)


async def receipts(session: AsyncSession, cutoff: datetime, batch: int) -> int:
    return await _by_id(
        session,
        InboundReceipt,
        select(InboundReceipt.id).where(InboundReceipt.received_at < cutoff).limit(batch),
    )


async def expired_files(session: AsyncSession, now: datetime, batch: int) -> int:
    return await _by_id(
        session, StoredFile, select(StoredFile.id).where(StoredFile.expires_at <= now).limit(batch)
    )


async def old_confirmations(session: AsyncSession, now: datetime, batch: int) -> int:
    return await _by_id(
        session,
        PrivacyConfirmation,
        select(PrivacyConfirmation.id).where(PrivacyConfirmation.expires_at <= now).limit(batch),
    )


RULES = (
    Rule("outbox messages", "benchmate_retain_outbox_days", outbox),
    Rule(
        "private notes of closed relationships", "benchmate_retain_closed_notes_days", closed_notes
    ),
    Rule("paged replies", "benchmate_retain_paged_replies_days", paged_replies),
    Rule("event delivery ledger rows", "benchmate_retain_event_ledgers_days", event_ledgers),
    Rule("platform delivery receipts", "benchmate_retain_receipts_days", receipts),
    Rule("expired files", None, expired_files),
    Rule("expired erasure confirmations", None, old_confirmations),
)
