"""Two dispatchers on one PostgreSQL share 10,000 due rows: every row delivered exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import insert

from bot.clock import FixedClock
from bot.dispatcher import Dispatcher
from bot.root import create_runtime
from bot.runtime import Runtime
from bot.ui import text_message
from store.db import is_sqlite
from store.models import Channel, OutboxMessage
from tests.conftest import settings_for
from tests.outbox_fakes import RecordingSender

ROWS = 10_000
CHANNELS = 20


async def fill(runtime: Runtime) -> None:
    now = runtime.clock.now()
    payload = text_message("Event tomorrow").model_dump(mode="json")
    async with runtime.sessions() as session, session.begin():
        await session.execute(
            insert(Channel),
            [
                dict(
                    platform="console",
                    workspace="local",
                    channel_id=f"C{n}",
                    name=f"hub-{n}",
                    created_at=now,
                )
                for n in range(CHANNELS)
            ],
        )
        await session.execute(
            insert(OutboxMessage),
            [
                dict(
                    key=f"broadcast:{n}",
                    kind="event.announce",
                    channel_id=1 + n % CHANNELS,
                    payload=payload,
                    status="queued",
                    due_at=now,
                    attempts=0,
                    created_at=now,
                )
                for n in range(ROWS)
            ],
        )


class YieldingSender(RecordingSender):
    async def send(self, target, message) -> None:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0)  # let the other dispatcher in between sends
        await super().send(target, message)


async def test_two_dispatchers_deliver_every_row_exactly_once(
    database_url: str, clock: FixedClock
) -> None:
    if is_sqlite(database_url):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): FOR UPDATE SKIP LOCKED")
    runtimes = [create_runtime(settings_for(database_url), clock=clock) for _ in range(2)]
    try:
        await fill(runtimes[0])
        senders = [YieldingSender() for _ in runtimes]
        dispatchers = [
            Dispatcher(
                rt.sessions,
                {"console": sender},
                clock,
                worker=f"w{n}",
                batch=100,
                checks=rt.router.send_checks,
            )
            for n, (rt, sender) in enumerate(zip(runtimes, senders, strict=True))
        ]
        handled = await asyncio.gather(*(d.run(clock.now()) for d in dispatchers))
    finally:
        for runtime in runtimes:
            await runtime.close()
    delivered = Counter(key for sender in senders for key in sender.sent)
    assert len(delivered) == ROWS and set(delivered.values()) == {1}
    assert sum(handled) == ROWS
    assert all(len(sender.sent) > 0 for sender in senders)  # both really took part
