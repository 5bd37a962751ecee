"""The outbox delivers each message once: ticks re-run, crashes, 429s, failures, pacing."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from bot import jobs
from bot.clock import FixedClock
from bot.delivery import PermanentFailure, RetryLater, Target
from bot.dispatcher import LEASE, MAX_ATTEMPTS, lease_due, retry_delay
from bot.harness import Harness
from bot.quiet_hours import mark_urgent
from bot.runtime import Runtime
from tests.helpers import make_member
from tests.outbox_fakes import (
    RecordingSender,
    fake_time_dispatcher,
    queue,
    recording,
    rows,
    snapshot,
)


async def members(harness: Harness, *handles: str) -> list[int]:
    return [await make_member(harness, handle) for handle in handles]


async def test_a_tick_delivers_each_message_once_and_rerunning_it_changes_nothing(
    runtime: Runtime, harness: Harness
) -> None:
    priya, sam = await members(harness, "priya", "sam")
    sender = recording(runtime)
    assert await queue(runtime, "note:1", member_id=priya)
    assert await queue(runtime, "note:2", member_id=sam)
    assert not await queue(runtime, "note:1", member_id=priya, text="again")  # same key

    now = runtime.clock.now()
    assert (await jobs.run_all(runtime, now))["outbox"] == 2
    after_first = snapshot(await rows(runtime))
    assert {status for status, *_ in after_first.values()} == {"sent"}

    assert (await jobs.run_all(runtime, now))["outbox"] == 0
    assert snapshot(await rows(runtime)) == after_first
    assert sorted(sender.sent) == ["note:1", "note:2"]
    assert sender.targets[0].display_name == "Priya"


async def test_a_row_due_later_waits_for_its_time(runtime: Runtime, harness: Harness) -> None:
    (priya,) = await members(harness, "priya")
    sender = recording(runtime)
    await queue(runtime, "later", member_id=priya, due_at=runtime.clock.now() + timedelta(hours=1))
    assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 0
    runtime.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 1
    assert sender.sent == ["later"]


async def test_a_crash_between_lease_and_sent_resends_only_that_row_after_its_lease(
    runtime: Runtime, harness: Harness
) -> None:
    priya, sam, alex = await members(harness, "priya", "sam", "alex")
    sender = recording(runtime)
    for key, member in (("a", priya), ("b", sam), ("c", alex)):
        await queue(runtime, key, member_id=member)
    start = runtime.clock.now()
    # A worker leases one row, then dies before sending it or marking it.
    crashed = await lease_due(runtime.sessions, start, limit=1, worker="crashed-worker")
    assert len(crashed) == 1
    orphan = next(k for k, row in (await rows(runtime)).items() if row.lease_owner)

    assert await jobs.deliver_outbox(runtime, start) == 2
    assert sorted(sender.sent) == sorted({"a", "b", "c"} - {orphan})

    runtime.clock.set(start + LEASE - timedelta(seconds=1))  # type: ignore[attr-defined]
    assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 0
    runtime.clock.set(start + LEASE)  # type: ignore[attr-defined]
    assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 1
    assert sorted(sender.sent) == ["a", "b", "c"]
    assert (await rows(runtime))[orphan].status == "sent"


class RememberingSender(RecordingSender):
    """A platform that can say whether a tagged message already arrived (Slack metadata)."""

    delivered_keys: set[str]

    async def delivered(self, target: Target, key: str) -> bool:
        return key in self.delivered_keys


async def test_an_orphan_the_platform_already_has_is_marked_sent_not_sent_again(
    runtime: Runtime, harness: Harness
) -> None:
    (priya,) = await members(harness, "priya")
    sender = RememberingSender(runtime)
    sender.delivered_keys = {"arrived"}
    runtime.senders["console"] = sender
    fake_time_dispatcher(runtime)
    await queue(runtime, "arrived", member_id=priya)
    await queue(runtime, "lost", member_id=priya)
    start = runtime.clock.now()
    await lease_due(runtime.sessions, start, worker="crashed-worker")  # both, then it died

    runtime.clock.set(start + LEASE)  # type: ignore[attr-defined]
    assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 2
    assert sender.sent == ["lost"]
    found = await rows(runtime)
    assert found["arrived"].status == "sent"
    assert found["arrived"].last_error == "found delivered after a restart"


class BusyHistorySender(RecordingSender):
    """A platform whose "did it arrive?" method is rate-limited on its own (Slack tier 3)."""

    async def delivered(self, target: Target, key: str) -> bool:
        raise RetryLater("history rate limited", after=timedelta(seconds=30))


async def test_an_orphan_whose_check_is_rate_limited_waits_and_holds_nobody_back(
    runtime: Runtime, harness: Harness
) -> None:
    priya, sam = await members(harness, "priya", "sam")
    sender = BusyHistorySender(runtime)
    runtime.senders["console"] = sender
    fake_time_dispatcher(runtime)
    await queue(runtime, "orphan", member_id=priya)
    start = runtime.clock.now()
    await lease_due(runtime.sessions, start, worker="crashed-worker")  # then it died
    await queue(runtime, "fresh", member_id=sam)

    runtime.clock.set(start + LEASE)  # type: ignore[attr-defined]
    assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 2
    assert sender.sent == ["fresh"] and sender.times == [start + LEASE]  # not held back
    row = (await rows(runtime))["orphan"]
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.last_error.startswith("could not tell if it arrived")
    assert row.due_at >= start + LEASE + timedelta(seconds=30)  # neither sent nor lost


async def test_429_with_retry_after_is_delivered_once_after_the_wait(
    runtime: Runtime, harness: Harness
) -> None:
    (priya,) = await members(harness, "priya")
    sender = recording(runtime)
    sender.script["busy"] = [RetryLater("rate limited", after=timedelta(seconds=30))]
    await queue(runtime, "busy", member_id=priya)
    start = runtime.clock.now()

    assert await jobs.deliver_outbox(runtime, start) == 1
    row = (await rows(runtime))["busy"]
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, "rate limited")
    assert start + timedelta(seconds=30) <= row.due_at <= start + timedelta(seconds=33)

    runtime.clock.set(start + timedelta(seconds=20))  # type: ignore[attr-defined]
    assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 0
    runtime.clock.set(start + timedelta(seconds=34))  # type: ignore[attr-defined]
    assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 1
    assert sender.sent == ["busy"] and sender.calls == 2


async def test_a_retry_after_holds_back_the_rest_of_the_batch(
    runtime: Runtime, harness: Harness
) -> None:
    (priya,) = await members(harness, "priya")
    sender = recording(runtime)
    sender.script["first"] = [RetryLater("slow down", after=timedelta(seconds=10))]
    start = runtime.clock.now()
    for key in ("first", "second", "third"):
        await queue(runtime, key, member_id=priya)
    await jobs.deliver_outbox(runtime, start)
    assert sender.sent == ["second", "third"]
    assert all(when >= start + timedelta(seconds=10) for when in sender.times)


async def test_a_permanent_failure_is_recorded_with_its_reason(
    runtime: Runtime, harness: Harness
) -> None:
    priya, sam = await members(harness, "priya", "sam")
    sender = recording(runtime)
    sender.script["gone"] = [PermanentFailure("user_not_found")]
    await queue(runtime, "gone", member_id=priya)
    await queue(runtime, "fine", member_id=sam)
    await jobs.deliver_outbox(runtime, runtime.clock.now())
    found = await rows(runtime)
    assert (found["gone"].status, found["gone"].last_error) == ("dead", "user_not_found")
    assert found["fine"].status == "sent"


async def test_errors_back_off_with_jitter_then_give_up_with_the_reason(
    runtime: Runtime, harness: Harness
) -> None:
    (priya,) = await members(harness, "priya")
    sender = recording(runtime)
    mark_urgent("test.always")  # so the days this takes are not stretched by quiet hours
    sender.script["flaky"] = [ConnectionError("connection reset")] * MAX_ATTEMPTS
    await queue(runtime, "flaky", member_id=priya, kind="test.always")
    waits = []
    for _ in range(MAX_ATTEMPTS):
        before = runtime.clock.now()
        await jobs.deliver_outbox(runtime, before)
        row = (await rows(runtime))["flaky"]
        if row.status == "dead":
            break
        waits.append(row.due_at - before)
        runtime.clock.set(row.due_at)  # type: ignore[attr-defined]
    assert row.status == "dead" and row.attempts == MAX_ATTEMPTS
    assert row.last_error.startswith(f"gave up after {MAX_ATTEMPTS} tries: ConnectionError")
    assert waits[1] > waits[0] and waits[3] > waits[1]  # growing, despite the jitter
    assert max(waits) <= timedelta(hours=1)
    assert sender.sent == []


def test_retry_delays_grow_exponentially_and_honour_retry_after() -> None:
    rng = random.Random(7)
    for attempts in range(6):
        ceiling = timedelta(seconds=10) * 2**attempts
        assert ceiling / 2 <= retry_delay(attempts, None, rng) <= ceiling
    assert retry_delay(20, None, rng) <= timedelta(hours=1)
    asked = timedelta(seconds=42)
    assert asked <= retry_delay(0, asked, rng) <= asked * 1.1
    assert retry_delay(0, timedelta(0), rng) >= timedelta(seconds=1)


async def test_a_member_with_no_reachable_identity_is_recorded_dead(
    runtime: Runtime, harness: Harness
) -> None:
    (priya,) = await members(harness, "priya")
    recording(runtime)
    from sqlalchemy import update

    from store.models import PlatformIdentity

    async with runtime.sessions() as session, session.begin():
        await session.execute(
            update(PlatformIdentity).values(
                unreachable_at=runtime.clock.now(), unreachable_reason="left"
            )
        )
    await queue(runtime, "nowhere", member_id=priya)
    await jobs.deliver_outbox(runtime, runtime.clock.now())
    row = (await rows(runtime))["nowhere"]
    assert (row.status, row.last_error) == ("dead", "no reachable identity")


async def test_without_a_sender_for_the_platform_the_row_waits_and_retries(
    runtime: Runtime, harness: Harness
) -> None:
    (priya,) = await members(harness, "priya")
    fake_time_dispatcher(runtime)
    runtime.senders.clear()
    await queue(runtime, "stranded", member_id=priya)
    await jobs.deliver_outbox(runtime, runtime.clock.now())
    row = (await rows(runtime))["stranded"]
    assert row.status == "queued" and "no sender for console" in row.last_error


class PacedSender(RecordingSender):
    global_rate = 5.0  # per second
    per_conversation_interval = 1.0
    max_concurrency = 3


async def test_pacing_spreads_a_burst_on_the_fake_clock(runtime: Runtime, harness: Harness) -> None:
    priya, sam = await members(harness, "priya", "sam")
    sender = PacedSender(runtime)
    runtime.senders["console"] = sender
    fake_time_dispatcher(runtime)
    start = runtime.clock.now()
    for n in range(10):
        await queue(runtime, f"p{n}", member_id=priya if n % 2 else sam)
    assert await jobs.deliver_outbox(runtime, start) == 10
    assert len(sender.sent) == 10
    gaps = [b - a for a, b in itertools.pairwise(sender.times)]
    assert min(gaps) >= timedelta(seconds=0.2) - timedelta(microseconds=1)
    for who in ("priya", "sam"):
        times = [t for t, s in zip(sender.times, sender.targets, strict=True) if s.user_id == who]
        steps = [b - a for a, b in itertools.pairwise(times)]
        assert min(steps) >= timedelta(seconds=1) - timedelta(microseconds=1)
    assert runtime.clock.now() - start >= timedelta(seconds=4)  # only the fake clock moved


async def test_a_long_batch_renews_its_lease_so_nobody_else_takes_its_rows(
    runtime: Runtime, harness: Harness
) -> None:
    (priya,) = await members(harness, "priya")
    stolen: list[object] = []

    class Slow(PacedSender):
        global_rate = None

        async def send(self, target: Target, message) -> None:  # type: ignore[no-untyped-def]
            await super().send(target, message)
            stolen.extend(await lease_due(runtime.sessions, runtime.clock.now(), worker="rival"))

    sender = Slow(runtime)
    runtime.senders["console"] = sender
    fake_time_dispatcher(runtime, lease=timedelta(seconds=8))
    for n in range(20):  # one conversation at 1 a second: 19 s, over twice the lease
        await queue(runtime, f"s{n:02}", member_id=priya)
    assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 20
    assert stolen == []
    assert sender.sent == [f"s{n:02}" for n in range(20)]


async def test_dispatch_due_still_works_as_a_plain_function(
    runtime: Runtime, harness: Harness
) -> None:
    from bot.outbox import dispatch_due

    (priya,) = await members(harness, "priya")
    sender = RecordingSender()
    await queue(runtime, "plain", member_id=priya)
    clock = FixedClock(runtime.clock.now())
    assert await dispatch_due(runtime.sessions, {"console": sender}, clock.now()) == 1
    assert sender.sent == ["plain"]
