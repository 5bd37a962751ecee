"""Bulk insert-or-ignore and bulk update by key, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot import outbox
from bot.harness import Harness
from bot.outbox import Queued
from bot.runtime import Runtime
from bot.ui import Template, text_message
from store.models import OutboxMessage
from store.types import RawJSON
from store.upsert import update_many
from tests.helpers import make_member


async def test_enqueue_many_skips_keys_already_queued(harness: Harness) -> None:
    runtime: Runtime = harness.runtime
    member = await make_member(harness, "priya")
    now = runtime.clock.now()
    first = [
        Queued(key=f"k:{n}", kind="test", message=text_message(f"hello {n}"), member_id=member)
        for n in range(3)
    ]
    async with runtime.sessions() as session, session.begin():
        assert await outbox.enqueue_many(session, first, now) == 3
    again = [
        *first[1:],
        Queued(
            key="k:3",
            kind="test",
            message=RawJSON('{"text": "raw", "blocks": []}'),
            member_id=member,
        ),
    ]
    async with runtime.sessions() as session, session.begin():
        assert await outbox.enqueue_many(session, again, now) == 1
        assert await outbox.enqueue_many(session, [], now) == 0
        rows = {row.key: row for row in await session.scalars(select(OutboxMessage))}
    assert sorted(rows) == ["k:0", "k:1", "k:2", "k:3"]
    assert rows["k:2"].payload["text"] == "hello 2" and rows["k:3"].payload["text"] == "raw"
    assert rows["k:0"].due_at == now  # aware UTC back from both databases


async def test_update_many_changes_each_row_its_own_columns(harness: Harness) -> None:
    runtime = harness.runtime
    member = await make_member(harness, "priya")
    now = runtime.clock.now()
    async with runtime.sessions() as session, session.begin():
        await outbox.enqueue_many(
            session,
            [
                Queued(key=f"u:{n}", kind="test", message=text_message("x"), member_id=member)
                for n in range(3)
            ],
            now,
        )
        ids = {row.key: row.id for row in await session.scalars(select(OutboxMessage))}
    later = now + timedelta(hours=2)
    async with runtime.sessions() as session, session.begin():
        await update_many(
            session,
            OutboxMessage.__table__,  # type: ignore[arg-type]
            {
                ids["u:0"]: {"status": "sent", "sent_at": later, "attempts": 1},
                ids["u:1"]: {"last_error": "it's a 'quoted' {{value}}", "due_at": later},
                ids["u:2"]: {"payload": {"text": "new", "blocks": []}, "lease_owner": None},
            },
        )
    async with runtime.sessions() as session:
        rows = {row.key: row for row in await session.scalars(select(OutboxMessage))}
    assert (rows["u:0"].status, rows["u:0"].sent_at, rows["u:0"].attempts) == ("sent", later, 1)
    assert rows["u:1"].last_error == "it's a 'quoted' {{value}}" and rows["u:1"].due_at == later
    assert rows["u:1"].status == "queued"  # untouched columns stay as they were
    assert rows["u:2"].payload == {"text": "new", "blocks": []}


def test_a_template_fills_values_as_plain_text_in_one_pass() -> None:
    template = Template(text_message("Hello {{name}}, meet {{other}}"))
    filled = json.loads(template.fill(name='Sam "{{other}}" <!channel>', other="Lee"))
    assert filled["text"] == 'Hello Sam "{{other}}" <!channel>, meet Lee'
    assert filled["blocks"][0]["text"] == filled["text"]
