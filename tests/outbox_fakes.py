"""Shared by the outbox tests: a recording sender, a fake-time dispatcher, queueing helpers.

(No tests here; the name keeps it with the outbox tests it serves.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import outbox
from bot.delivery import Sender, Target
from bot.dispatcher import Dispatcher
from bot.runtime import Runtime
from bot.ui import Message, text_message
from store.models import OutboxMessage


@dataclass
class RecordingSender(Sender):
    """Records what it delivers; `script[key]` lists failures to raise first, in order."""

    runtime: Runtime | None = None
    sent: list[str] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    script: dict[str, list[Exception]] = field(default_factory=dict)
    calls: int = 0

    async def send(self, target: Target, message: Message) -> None:
        self.calls += 1
        todo = self.script.get(target.key)
        if todo:
            raise todo.pop(0)
        self.sent.append(target.key)
        self.targets.append(target)
        if self.runtime is not None:
            self.times.append(self.runtime.clock.now())


def recording(runtime: Runtime) -> RecordingSender:
    """A recording sender for console members, delivered by a fake-time dispatcher."""
    sender = RecordingSender(runtime)
    runtime.senders["console"] = sender
    fake_time_dispatcher(runtime)
    return sender


def fake_time_dispatcher(runtime: Runtime, **options: object) -> Dispatcher:
    """A dispatcher whose pacer runs on the test's clock: its sleeps move the clock on.

    Sleeps that overlap (concurrent sends) move it to the latest wake-up, not their sum.
    """
    clock = runtime.clock

    async def sleep(seconds: float) -> None:
        wake = clock.now() + timedelta(seconds=seconds)
        clock.set(max(wake, clock.now()))  # type: ignore[attr-defined]

    dispatcher = Dispatcher(
        runtime.sessions,
        runtime.senders,
        runtime.clock,
        pacer_time=lambda: runtime.clock.now().timestamp(),
        sleep=sleep,
        checks=runtime.router.send_checks,
        **options,  # type: ignore[arg-type]
    )
    runtime.dispatcher = dispatcher
    return dispatcher


async def queue(
    runtime: Runtime,
    key: str,
    *,
    member_id: int | None = None,
    channel_id: int | None = None,
    kind: str = "test.note",
    due_at: datetime | None = None,
    text: str = "Hello",
) -> bool:
    async with runtime.sessions() as session, session.begin():
        return await outbox.enqueue(
            session,
            key=key,
            kind=kind,
            message=text_message(text),
            now=runtime.clock.now(),
            member_id=member_id,
            channel_id=channel_id,
            due_at=due_at,
        )


async def rows(runtime: Runtime) -> dict[str, OutboxMessage]:
    async with runtime.sessions() as session:
        found = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return {row.key: row for row in found}


def snapshot(found: dict[str, OutboxMessage]) -> dict[str, tuple[object, ...]]:
    return {
        key: (row.status, row.attempts, row.due_at, row.sent_at, row.last_error, row.lease_owner)
        for key, row in found.items()
    }
