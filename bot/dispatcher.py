"""Delivering the outbox: lease due rows, send each through its platform, record the outcome.

Leasing claims rows for one worker until `lease_until`: `FOR UPDATE SKIP LOCKED`
on PostgreSQL, so concurrent workers take disjoint rows, and a compare-and-set
UPDATE (only rows still due) everywhere, which SQLite's BEGIN IMMEDIATE makes
atomic. A live worker renews the leases of the rows it holds (on each send and
on a heartbeat), so a row whose lease ran out has lost its worker and is due
again; if its sender can tell whether it already arrived (`delivered`), it is
not sent twice. Scheduled delivery runs in one process at a time, the holder of
the dispatch lock (bot/dispatch_lock.py), so the pacers here see all the traffic.

At send time a row is checked again: the member may have paused messages or
muted this kind (skipped, with the reason), the hour may be quiet for them
(deferred, no attempt counted), they may have no reachable identity (dead).
Failures retry with exponential backoff and jitter, honouring Retry-After, and
die with their reason after MAX_ATTEMPTS. Outcomes are written by one writer
task per batch, so the database keeps pace with a fast platform.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Integer, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, FixedClock
from bot.delivery import PermanentFailure, RetryLater, Sender, Target
from bot.metrics import Metrics
from bot.pacing import Pacer, Pacing, Sleep
from bot.quiet_hours import QuietHours, is_urgent, zone_named
from bot.ui import Message
from store.models import Channel, Member, OutboxMessage, PlatformIdentity
from store.types import UTCDateTime

log = logging.getLogger(__name__)

# How long a leased row stays with its worker. A live worker renews its rows (see
# _LeaseKeeper), so this only bounds how soon a dead worker's rows are sent again;
# it must outlast a send already on the wire when the worker died.
LEASE = timedelta(seconds=30)
FIRST_CHUNK = 16  # rows a lane plans before its first send; the next chunks double
MAX_ATTEMPTS = 10
FIRST_BACKOFF = timedelta(seconds=10)
MAX_BACKOFF = timedelta(hours=1)
MIN_RETRY = timedelta(seconds=1)  # a Retry-After of 0 must not spin the queue
DEFAULT_TIMEZONE = "Europe/London"
# One id per process, readable in the table: which host and process holds a lease.
WORKER_ID = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(3)}"

# A feature may hold back a message at send time, e.g. nudges for a muted relationship:
# `async def check(session, row) -> reason | None`; a reason skips the row. Features
# declare them on their router (`router.send_check`); the runtime hands them here.
SendCheck = Callable[[AsyncSession, OutboxMessage], Awaitable[str | None]]

PAUSED = "the member paused proactive messages"


# --- leasing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Leased:
    id: int
    # The previous lease ran out mid-send: the message may already have arrived.
    orphaned: bool


def _due(now: datetime) -> Any:
    return or_(
        and_(OutboxMessage.status == "queued", OutboxMessage.due_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until <= now),
    )


async def lease_due(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    limit: int = 100,
    *,
    worker: str = WORKER_ID,
    lease: timedelta = LEASE,
) -> list[Leased]:
    """Claim up to `limit` due rows for `worker` until now + lease."""
    async with sessions() as session, session.begin():
        picked = (
            await session.execute(
                select(OutboxMessage.id, OutboxMessage.status)
                .where(_due(now))
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not picked:
            return []
        taken = set(
            await session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row.id for row in picked]), _due(now))
                .values(status="sending", lease_owner=worker, lease_until=now + lease)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
    return [Leased(row.id, row.status == "sending") for row in picked if row.id in taken]


# --- what to do with each leased row ---------------------------------------------------


@dataclass
class Plan:
    id: int
    key: str
    kind: str
    attempts: int
    due_at: datetime
    orphaned: bool
    platform: str | None
    target: Target | None = None
    message: Message | None = None


@dataclass(frozen=True)
class Outcome:
    id: int
    status: str  # sent | queued | skipped | dead
    due_at: datetime
    tried: int  # 1 when this counts as a delivery attempt
    error: str | None = None
    sent_at: datetime | None = None
    platform: str | None = None

    @property
    def result(self) -> str:
        """For metrics: sent, dead, skipped, retry (a failed try) or deferred (no try)."""
        if self.status == "queued":
            return "retry" if self.tried else "deferred"
        return self.status


_RECORD = (
    update(OutboxMessage.__table__)  # type: ignore[arg-type]
    .where(
        OutboxMessage.__table__.c.id == bindparam("row_id", type_=Integer),
        OutboxMessage.__table__.c.lease_owner == bindparam("worker"),
        OutboxMessage.__table__.c.status == "sending",
    )
    .values(
        status=bindparam("new_status"),
        due_at=bindparam("new_due_at", type_=UTCDateTime()),
        attempts=OutboxMessage.__table__.c.attempts + bindparam("tried", type_=Integer),
        last_error=bindparam("error"),
        sent_at=bindparam("new_sent_at", type_=UTCDateTime()),
        platform=bindparam("new_platform"),
        lease_owner=None,
        lease_until=None,
    )
)


@dataclass
class Recorder:
    """Writes outcomes as they come, in small batches, off the sending path."""

    sessions: async_sessionmaker[AsyncSession]
    worker: str
    metrics: Metrics
    pending: list[Outcome] = field(default_factory=list)
    written: int = 0
    _task: asyncio.Task[None] | None = None

    def add(self, outcome: Outcome) -> None:
        self.metrics.delivery(outcome.platform, outcome.result)
        self.pending.append(outcome)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._write_all())

    async def drain(self) -> None:
        while self._task is not None:
            task, self._task = self._task, None
            await task
            if self.pending:
                self._task = asyncio.create_task(self._write_all())

    async def _write_all(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            async with self.sessions() as session, session.begin():
                counts = session.get_bind().dialect.supports_sane_multi_rowcount
                result = await session.execute(
                    _RECORD,
                    [
                        {
                            "row_id": o.id,
                            "worker": self.worker,
                            "new_status": o.status,
                            "new_due_at": o.due_at,
                            "tried": o.tried,
                            "error": o.error,
                            "new_sent_at": o.sent_at,
                            "new_platform": o.platform,
                        }
                        for o in batch
                    ],
                )
            changed = result.rowcount  # type: ignore[attr-defined]
            if counts and changed != len(batch):  # asyncpg counts no executemany rows
                log.warning(
                    "outbox: %d outcome(s) came after the lease ran out", len(batch) - changed
                )
            self.written += len(batch)


# --- the dispatcher ---------------------------------------------------------------------


@dataclass
class Dispatcher:
    """One process's delivery loop; keeps its pacers between ticks."""

    sessions: async_sessionmaker[AsyncSession]
    senders: Mapping[str, Sender]
    clock: Clock = field(default_factory=FixedClock)
    worker: str = WORKER_ID
    lease: timedelta = LEASE
    batch: int = 100
    # Batches in flight at once: while one lane leases and records, another sends.
    lanes: int = 2
    quiet_hours: QuietHours | None = field(default_factory=QuietHours)
    default_timezone: str = DEFAULT_TIMEZONE
    # The pacer's own time and sleep: real by default, a fake clock's in tests.
    pacer_time: Callable[[], float] = time.monotonic
    sleep: Sleep = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)
    checks: Sequence[SendCheck] = ()  # the features' send-time checks
    metrics: Metrics = field(default_factory=Metrics)
    # Set by stop(): lease nothing more, start no send, hand unstarted rows back.
    stopping: bool = False
    _pacers: dict[int, tuple[Sender, Pacer, asyncio.Semaphore]] = field(default_factory=dict)
    _running: asyncio.Lock = field(default_factory=asyncio.Lock)
    _started: datetime = field(init=False)
    _at: datetime = field(init=False)

    def __post_init__(self) -> None:
        self._started = self._at = self.clock.now()

    async def run(self, now: datetime | None = None) -> int:
        """Deliver everything due at `now` (and as time passes while sending); rows handled."""
        async with self._running:  # one run at a time per dispatcher (they share pacers)
            self._started, self._at = self.clock.now(), now or self.clock.now()
            leases = _LeaseKeeper(self)
            heartbeat = asyncio.create_task(leases.beat())
            try:
                lanes = (self._drain(leases) for _ in range(self.lanes))
                return sum(await asyncio.gather(*lanes))
            finally:
                heartbeat.cancel()

    async def stop(self, within: float) -> bool:
        """Finish the sends in flight (for at most `within` seconds) and hand every row
        not yet sent back to the queue, so another worker sends it at once rather than
        after its lease. True if the run in progress ended in time."""
        self.stopping = True
        try:
            async with asyncio.timeout(within), self._running:
                return True
        except TimeoutError:
            log.warning("outbox: sends still in flight at shutdown; their leases will expire")
            return False

    async def _drain(self, leases: _LeaseKeeper) -> int:
        handled, warm = 0, False
        while not self.stopping:
            leased_at = self._now()
            leased = await lease_due(
                self.sessions, leased_at, self.batch, worker=self.worker, lease=self.lease
            )
            if leased:
                await self._deliver(leased, leased_at + self.lease, leases, warm)
                handled += len(leased)
            if len(leased) < self.batch:
                return handled
            warm = True
        return handled

    def _now(self) -> datetime:
        """The tick's instant, moved on by however long this run has taken so far."""
        return self._at + (self.clock.now() - self._started)

    def pacer(self, sender: Sender) -> tuple[Pacer, asyncio.Semaphore]:
        found = self._pacers.get(id(sender))
        if found is None or found[0] is not sender:
            pacing = Pacing.of(sender)
            found = (
                sender,
                Pacer(pacing, now=self.pacer_time, sleep=self.sleep),
                asyncio.Semaphore(pacing.max_concurrency),
            )
            self._pacers[id(sender)] = found
        return found[1], found[2]

    # --- one batch ------------------------------------------------------------------

    async def _deliver(
        self, leased: list[Leased], lease_until: datetime, leases: _LeaseKeeper, warm: bool
    ) -> None:
        """Plan and send one leased batch. A lane's first batch is planned in growing
        chunks, sending as each is ready: after a start or a takeover the first message
        goes out once a few rows are read, not a whole batch."""
        recorder = Recorder(self.sessions, self.worker, self.metrics)
        batch = leases.hold([lease.id for lease in leased], lease_until)
        sends: list[asyncio.Task[None]] = []
        try:
            for chunk in [leased] if warm else _growing(leased, FIRST_CHUNK):
                plans = await self._plan(chunk, recorder)
                sending = {plan.id for plan in plans}
                for lease in chunk:
                    if lease.id not in sending:  # settled without sending, or not ours
                        leases.done(lease.id)
                sends += [asyncio.create_task(self._send(p, recorder, leases)) for p in plans]
        finally:
            await asyncio.gather(*sends)  # a send records its own failure; never raises
            await recorder.drain()
            leases.let_go(batch)

    async def _plan(self, leased: list[Leased], recorder: Recorder) -> list[Plan]:
        """Read the batch in one go; settle what needs no sending; return what does."""
        now = self._now()
        orphaned = {lease.id for lease in leased if lease.orphaned}
        sendable: list[Plan] = []
        async with self.sessions() as session, session.begin():
            rows = (
                await session.scalars(
                    select(OutboxMessage).where(
                        OutboxMessage.id.in_([lease.id for lease in leased]),
                        OutboxMessage.lease_owner == self.worker,
                    )
                )
            ).all()
            places = await _Places.load(session, rows)
            for row in rows:
                plan = Plan(
                    row.id,
                    row.key,
                    row.kind,
                    row.attempts,
                    row.due_at,
                    row.id in orphaned,
                    row.platform,
                )
                outcome = await self._settle(session, row, plan, places, now)
                if outcome is None:
                    sendable.append(plan)
                else:
                    recorder.add(outcome)
        return sendable

    async def _settle(
        self, session: AsyncSession, row: OutboxMessage, plan: Plan, places: _Places, now: datetime
    ) -> Outcome | None:
        """The outcome for a row that will not be sent now, or None to send it."""
        member = places.members.get(row.member_id) if row.member_id else None
        if member is not None and member.proactive_paused:
            return self._settled(plan, "skipped", PAUSED)
        for check in self.checks:
            reason = await check(session, row)
            if reason:
                return self._settled(plan, "skipped", reason)
        target = places.target_for(row, member, self.senders)
        if target is None:
            reason = "channel no longer available" if row.channel_id else "no reachable identity"
            return self._settled(plan, "dead", reason)
        # An orphan may have gone out already: finish it now rather than risk a repeat later.
        sender = self.senders.get(target.platform)
        office_hours_apply = sender is None or not sender.ignores_quiet_hours
        if (
            self.quiet_hours is not None
            and office_hours_apply
            and not is_urgent(row.kind)
            and not plan.orphaned
        ):
            zone = zone_named(member.timezone if member else None, self.default_timezone)
            allowed = self.quiet_hours.next_allowed(now, zone)
            if allowed > now:
                return Outcome(plan.id, "queued", allowed, 0, row.last_error, None, plan.platform)
        try:
            plan.message = Message.model_validate(row.payload)
        except ValidationError:
            return self._settled(plan, "dead", "the stored message is unreadable")
        plan.target, plan.platform = target, target.platform
        if target.platform not in self.senders:
            return self._retry(plan, f"no sender for {target.platform} in this process", None)
        return None

    async def _send(self, plan: Plan, recorder: Recorder, lease: _LeaseKeeper) -> None:
        assert plan.target is not None and plan.message is not None
        sender = self.senders[plan.target.platform]
        pacer, in_flight = self.pacer(sender)
        async with in_flight:
            try:
                outcome = await self._send_one(plan, sender, pacer, lease)
            except PermanentFailure as failure:
                outcome = Outcome(
                    plan.id, "dead", plan.due_at, 1, _reason(failure), platform=plan.platform
                )
            except RetryLater as later:
                if later.after:
                    pacer.hold(plan.target.workspace, later.after.total_seconds())
                if later.rate_limited:
                    self.metrics.rate_limited.labels(plan.platform or "none").inc()
                outcome = self._retry(plan, _reason(later), later.after)
            except Exception as problem:  # a sender's bug must not stop the queue
                log.exception("outbox row %s failed", plan.id)
                outcome = self._retry(plan, f"{type(problem).__name__}: {problem}", None)
            finally:
                lease.done(plan.id)
        if outcome is not None:
            recorder.add(outcome)

    async def _send_one(
        self, plan: Plan, sender: Sender, pacer: Pacer, lease: _LeaseKeeper
    ) -> Outcome | None:
        """Deliver one planned row: its outcome, or None if another worker has it now."""
        assert plan.target is not None and plan.message is not None
        if plan.orphaned:
            try:
                if await _already_delivered(sender, plan.target):
                    return self._sent(plan, "found delivered after a restart")
            except RetryLater as later:  # the check's own limit: only this row waits
                return self._retry(plan, f"could not tell if it arrived: {later}", later.after)
        if self.stopping:
            return self._handed_back(plan)
        await pacer.wait_turn(plan.target.workspace, plan.target.conversation_key)
        if self.stopping:
            return self._handed_back(plan)
        if not await lease.keep(plan.id):
            return None
        await sender.send(plan.target, plan.message)
        return self._sent(plan, None)

    def _handed_back(self, plan: Plan) -> Outcome | None:
        """Stopping before this send began: queued again as it was, no try counted. An
        orphan keeps its lease to expire, so whoever takes it still checks it arrived."""
        if plan.orphaned:
            return None
        return Outcome(plan.id, "queued", plan.due_at, 0, None, platform=plan.platform)

    def _settled(self, plan: Plan, status: str, reason: str) -> Outcome:
        return Outcome(plan.id, status, plan.due_at, 0, reason, platform=plan.platform)

    def _sent(self, plan: Plan, note: str | None) -> Outcome:
        return Outcome(
            plan.id, "sent", plan.due_at, 1, note, sent_at=self._now(), platform=plan.platform
        )

    def _retry(self, plan: Plan, error: str, after: timedelta | None) -> Outcome:
        tries = plan.attempts + 1
        if tries >= MAX_ATTEMPTS:
            return Outcome(
                plan.id,
                "dead",
                plan.due_at,
                1,
                f"gave up after {tries} tries: {error}"[:500],
                platform=plan.platform,
            )
        delay = retry_delay(plan.attempts, after, self.rng)
        return Outcome(
            plan.id, "queued", self._now() + delay, 1, error[:500], platform=plan.platform
        )


def _growing(rows: list[Leased], first: int) -> Iterator[list[Leased]]:
    start, size = 0, first
    while start < len(rows):
        yield rows[start : start + size]
        start, size = start + size, size * 2


def retry_delay(attempts: int, after: timedelta | None, rng: random.Random) -> timedelta:
    """Exponential backoff with jitter; the platform's Retry-After when it gave one.

    Jitter spreads a burst of retries so they do not return together; on top of
    Retry-After it only ever adds, never shortens the wait the platform asked for.
    """
    if after is not None:
        wait = max(after, MIN_RETRY)
        return wait + wait * rng.uniform(0, 0.1)
    ceiling = min(MAX_BACKOFF, FIRST_BACKOFF * 2**attempts)
    return ceiling / 2 + ceiling / 2 * rng.random()


def _reason(problem: Exception) -> str:
    return (str(problem) or type(problem).__name__)[:500]


async def _already_delivered(sender: Sender, target: Target) -> bool:
    return await sender.delivered(target, target.key)


@dataclass
class _LeaseKeeper:
    """The rows one run holds, every lane's: renewed together before their lease runs out.

    A send checks first (and renews when half the lease is gone), so a row whose
    lease was lost is not sent; a heartbeat renews too, every third of the lease
    in real time, while every send waits (a long Retry-After, one busy conversation).
    """

    dispatcher: Dispatcher
    # batch number -> (its rows still to record, their lease_until)
    batches: dict[int, tuple[list[int], datetime]] = field(default_factory=dict)
    unsent: set[int] = field(default_factory=set)
    _numbers: Iterator[int] = field(default_factory=itertools.count)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def hold(self, rows: list[int], until: datetime) -> int:
        number = next(self._numbers)
        self.batches[number] = (rows, until)
        self.unsent.update(rows)
        return number

    def let_go(self, number: int) -> None:
        """A batch is over and its outcomes recorded."""
        rows, _ = self.batches.pop(number)
        self.unsent.difference_update(rows)

    def done(self, row_id: int) -> None:
        self.unsent.discard(row_id)

    async def keep(self, row_id: int) -> bool:
        """Renew if half the lease is gone; False if this row is no longer ours."""
        await self.renew_if_due()
        return row_id in self.unsent

    async def renew_if_due(self) -> None:
        async with self._lock:
            now, lease = self.dispatcher._now(), self.dispatcher.lease
            if self.batches and now >= min(u for _, u in self.batches.values()) - lease / 2:
                await self._renew(now)

    async def beat(self) -> None:
        while True:
            await asyncio.sleep(self.dispatcher.lease.total_seconds() / 3)
            try:
                await self.renew_if_due()
            except Exception:  # the next beat or send tries again; expiry stays safe
                log.warning("outbox: renewing leases failed", exc_info=True)

    async def _renew(self, now: datetime) -> None:
        # Every row still to record: one sent but not yet recorded must stay ours too.
        d, numbers = self.dispatcher, list(self.batches)
        rows = [row for number in numbers for row in self.batches[number][0]]
        async with d.sessions() as session, session.begin():
            kept = set(
                await session.scalars(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id.in_(rows),
                        OutboxMessage.lease_owner == d.worker,
                        OutboxMessage.status == "sending",
                    )
                    .values(lease_until=now + d.lease)
                    .returning(OutboxMessage.id)
                    .execution_options(synchronize_session=False)
                )
            )
        lost = (self.unsent & set(rows)) - kept
        if lost:
            log.warning("outbox: %d leased row(s) were taken over by another worker", len(lost))
        self.unsent -= lost
        for number in numbers:
            if number in self.batches:
                self.batches[number] = (self.batches[number][0], now + d.lease)


@dataclass
class _Places:
    """The members, identities and channels a batch of rows goes to, loaded together."""

    members: dict[int, Member]
    identities: dict[int, list[PlatformIdentity]]
    channels: dict[int, Channel]

    @classmethod
    async def load(cls, session: AsyncSession, rows: Any) -> _Places:
        member_ids = {row.member_id for row in rows if row.member_id}
        channel_ids = {row.channel_id for row in rows if row.channel_id}
        members = {
            m.id: m for m in await session.scalars(select(Member).where(Member.id.in_(member_ids)))
        }
        identities: dict[int, list[PlatformIdentity]] = {}
        for identity in await session.scalars(
            select(PlatformIdentity)
            .where(
                PlatformIdentity.member_id.in_(member_ids),
                PlatformIdentity.unreachable_at.is_(None),
            )
            .order_by(PlatformIdentity.last_seen_at.desc().nulls_last(), PlatformIdentity.id)
        ):
            identities.setdefault(identity.member_id, []).append(identity)
        channels = {
            c.id: c
            for c in await session.scalars(select(Channel).where(Channel.id.in_(channel_ids)))
        }
        return cls(members, identities, channels)

    def target_for(
        self, row: OutboxMessage, member: Member | None, senders: Mapping[str, Sender]
    ) -> Target | None:
        if row.channel_id is not None:
            channel = self.channels.get(row.channel_id)
            if channel is None or not channel.active:
                return None
            return Target(
                channel.platform,
                channel.workspace,
                channel_id=channel.channel_id,
                conversation=channel.conversation,
                display_name=channel.name,
                key=row.key,
            )
        if member is None:
            return None
        found = self.identities.get(member.id, [])
        # The most recently used identity on a platform this process can deliver to.
        usable = [i for i in found if i.platform in senders] or found
        if not usable:
            return None
        identity = usable[0]
        return Target(
            identity.platform,
            identity.workspace,
            user_id=identity.user_id,
            conversation=identity.conversation,
            display_name=member.display_name,
            key=row.key,
        )


async def dispatch_due(
    sessions: async_sessionmaker[AsyncSession],
    senders: Mapping[str, Sender],
    now: datetime,
    limit: int = 100,
    **options: Any,
) -> int:
    """Deliver what is due at `now` with a one-off dispatcher; rows handled."""
    clock = options.pop("clock", None) or FixedClock(now)
    return await Dispatcher(sessions, senders, clock, batch=limit, **options).run(now)
