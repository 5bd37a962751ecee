"""Retention: what is past its time goes, in batches, and the log says what; the rest stays."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.runtime import Runtime
from handlers.retention import run_retention
from store.files import StoredFile
from store.mentoring.models import PrivateNote, Relationship
from store.models import InboundReceipt, OutboxMessage
from tests.helpers import make_member
from tests.outbox_fakes import queue
from tests.test_data_rights import logged_meeting


async def count(runtime: Runtime, model: type, *where: object) -> int:
    async with runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_old_delivered_messages_go_in_batches_and_the_log_says_so(
    runtime: Runtime,
    harness,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    priya = await make_member(harness, "priya")
    now = runtime.clock.now()
    for number in range(5):
        await queue(runtime, f"old:{number}", member_id=priya)
    await queue(runtime, "waiting", member_id=priya)
    await queue(runtime, "recent", member_id=priya)
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key.like("old:%"))
            .values(status="sent", created_at=now - timedelta(days=31))
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == "waiting")
            .values(created_at=now - timedelta(days=90))  # still queued: never removed
        )
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.key == "recent").values(status="sent")
        )
        session.add(
            InboundReceipt(platform="slack", delivery_id="a", received_at=now - timedelta(days=8))
        )
        session.add(InboundReceipt(platform="slack", delivery_id="b", received_at=now))
        session.add(
            StoredFile(
                token="t" * 40,
                filename="x.json",
                content_type="application/json",
                data=b"{}",
                created_at=now - timedelta(days=2),
                expires_at=now - timedelta(days=1),
            )
        )
    with caplog.at_level(logging.INFO, logger="benchmate.retention"):
        removed = await run_retention(runtime, now, batch=2)
    assert removed == 5 + 1 + 1
    keys = set(await _keys(runtime))
    assert keys == {"waiting", "recent"}
    assert await count(runtime, InboundReceipt) == 1 and await count(runtime, StoredFile) == 0
    said = {(r.what, r.removed) for r in caplog.records if hasattr(r, "removed")}  # type: ignore[attr-defined]
    assert said == {
        ("outbox messages", 5),
        ("platform delivery receipts", 1),
        ("expired files", 1),
    }
    assert await run_retention(runtime, now) == 0  # re-running is harmless


async def _keys(runtime: Runtime) -> list[str]:
    async with runtime.sessions() as session:
        return list(await session.scalars(select(OutboxMessage.key)))


async def test_notes_of_long_closed_relationships_go(runtime: Runtime, harness) -> None:  # type: ignore[no-untyped-def]
    relationship_id = await logged_meeting(harness)
    now = runtime.clock.now()
    assert await run_retention(runtime, now) == 0  # active: the notes stay
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            update(Relationship)
            .where(Relationship.id == relationship_id)
            .values(status="closed", closed_at=now - timedelta(days=731), exit_comment="Moved on")
        )
    assert await run_retention(runtime, now) == 2
    assert await count(runtime, PrivateNote) == 0
    async with runtime.sessions() as session:
        closed = await session.get(Relationship, relationship_id)
        assert closed is not None and closed.exit_comment is None
