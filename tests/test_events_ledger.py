"""The delivery ledger: one row per recipient, live from the outbox, exactly once after a crash."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot import jobs, outbox
from bot.clock import FixedClock
from bot.delivery import PermanentFailure, Target
from bot.dispatcher import LEASE, lease_due
from bot.harness import Harness
from bot.ui import Message
from handlers.events import announce as announcing
from store.events import queries as store
from store.models import Member
from tests.events_network import announce, draft, latest_event, person, rows
from tests.outbox_fakes import RecordingSender, fake_time_dispatcher


@dataclass
class Platform(RecordingSender):
    """A platform that remembers what arrived, so a restarted worker can ask (like Slack)."""

    arrived: Counter[str] = field(default_factory=Counter)

    async def send(self, target: Target, message: Message) -> None:
        await super().send(target, message)
        self.arrived[target.key] += 1

    async def delivered(self, target: Target, key: str) -> bool:
        return key in self.arrived


async def ledger(harness: Harness, event_id: int) -> store.Ledger:
    async with harness.runtime.sessions() as session:
        return await store.ledger(session, event_id)


async def test_status_shows_the_ledger_live(harness: Harness, clock: FixedClock) -> None:
    platform = Platform(harness.runtime)
    harness.runtime.senders["console"] = platform
    fake_time_dispatcher(harness.runtime)
    await person(harness, "dan", roles=["champion"])
    paused = await person(harness, "pia")
    lost = await person(harness, "lou")
    for n in range(5):
        await person(harness, f"m{n}")
    async with harness.runtime.sessions() as session, session.begin():
        await session.execute(
            update(Member).where(Member.id == paused).values(proactive_paused=True)
        )
    event = await announce(harness, "dan", capacity="10")
    platform.script[f"broadcast:{event.id}:{lost}"] = [PermanentFailure("Slack: user_not_found")]

    before = await harness.say("dan", "event status")
    assert "Delivered 0 of 8" in before.text and "Waiting to send 8" in before.text
    await jobs.run_all(harness.runtime, clock.now())
    await harness.press("m0", "event.rsvp", f"{event.id}:going")
    after = await harness.say("dan", "event status")
    assert "Delivered 6 of 8" in after.text
    assert "Failed 1" in after.text and "Skipped 1" in after.text
    assert "Going 1 of 10 places" in after.text
    assert "Not delivered to 1: Slack: user_not_found" in str(after.messages)
    assert f"event checkin {event.checkin_code}" in after.text


async def test_after_a_crash_each_recipient_is_in_the_ledger_once_and_sent_once(
    harness: Harness, clock: FixedClock
) -> None:
    platform = Platform(harness.runtime)
    harness.runtime.senders["console"] = platform
    fake_time_dispatcher(harness.runtime)
    await person(harness, "dan", roles=["champion"])
    for n in range(20):
        await person(harness, f"m{n}")
    event = await announce(harness, "dan")

    # A worker leases the whole broadcast, delivers eight messages and dies.
    leased = await lease_due(harness.runtime.sessions, clock.now(), worker="crashed")
    assert len(leased) == 21
    for row in (await rows(harness, f"broadcast:{event.id}:"))[:8]:
        platform.arrived[row.key] += 1
    assert (await ledger(harness, event.id)).queued == 21  # in flight: not sent as far as we know

    # A retried Send (a second click, a platform retry) and a re-run fan-out add nobody.
    preview_again = await harness.press("dan", "event.send", str(event.id))
    assert "already been sent" in preview_again.text
    async with harness.runtime.sessions() as session, session.begin():
        found = await store.event(session, event.id)
        assert found is not None
        fan_out = await announcing.broadcast(session, harness.runtime.settings, found, "Dan")
        await outbox.enqueue_many(session, fan_out.messages, clock.now())
        await fan_out.record(session)

    clock.advance(LEASE + timedelta(seconds=1))  # the dead worker's lease runs out
    await jobs.run_all(harness.runtime, clock.now())

    assert sum(platform.arrived.values()) == 21 and set(platform.arrived.values()) == {1}
    async with harness.runtime.sessions() as session:
        members = await store.recipients(session, event.id)
    assert len(members) == len(set(members)) == 21
    assert (await ledger(harness, event.id)).sent == 21


async def test_a_failure_while_queueing_leaves_nothing_half_sent(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await person(harness, "dan", roles=["champion"])
    for n in range(5):
        await person(harness, f"m{n}")
    preview = await draft(harness, "dan")

    async def broken(*args: object) -> int:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(store, "record_deliveries", broken)
    failed = await harness.press("dan", preview.button("Send"))
    assert "something went wrong" in failed.text
    assert await rows(harness, "broadcast:") == []  # the whole turn rolled back
    assert (await latest_event(harness)).status == "draft"

    monkeypatch.undo()
    assert "Sent!" in (await harness.press("dan", preview.button("Send"))).text
    sent = await rows(harness, "broadcast:")
    assert len(sent) == len({row.member_id for row in sent}) == 6
    event = await latest_event(harness)
    async with harness.runtime.sessions() as session:
        assert len(await store.recipients(session, event.id)) == 6
