"""Events: hub events a champion announces, the RSVPs, attendance, anonymous feedback.

The delivery ledger is `EventDelivery` (members) and `EventChannelPost` (channels):
one small row per recipient of an announcement, joined by its outbox key
(`broadcast_key`) to the outbox row that carries the message, so its status
(queued, sent, failed with a reason) is always the outbox's own, never a copy.

RSVPs for one event are serialised by locking the event row (`FOR UPDATE` on
PostgreSQL; SQLite's BEGIN IMMEDIATE serialises every writer anyway), so two
members racing for the last place can never both get it.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from store.mentoring import MentoringProfile
from store.models import Base, Channel, Institution, Member, OutboxMessage, PlatformIdentity
from store.upsert import insert_ignore, insert_ignore_many

STATUSES = ("draft", "sent", "cancelled")
ANSWERS = ("going", "maybe", "not_going", "waitlist")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
CODE_LENGTH = 6
OPEN_LOOKAHEAD = 100  # upcoming events considered for one member's list
RECENT = timedelta(days=30)  # how long an event stays on its champion's list after it ends


# --- tables -----------------------------------------------------------------------


class Event(Base):
    """A hub event. `audience` is who hears about it: {"network": bool,
    "institutions": [ids], "interests": [words], "channels": [ids]}."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_status_starts", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    rsvp_deadline: Mapped[datetime | None]
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    network_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # Calendar files: the same UID for ever, SEQUENCE up by one on each change.
    uid: Mapped[str] = mapped_column(String(100), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True)
    checkin_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    champion_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    reach: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    reminded_day_at: Mapped[datetime | None]
    reminded_hour_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EventRsvp(Base):
    """A member's answer. Waitlisted answers keep their place in `position`."""

    __tablename__ = "event_rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id"),
        Index("ix_event_rsvps_answer", "event_id", "answer", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(12))
    position: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime]


class EventDelivery(Base):
    """The delivery ledger: one row per member an announcement went to. Its outbox row is
    the one keyed `broadcast_key(event, member)`; the status is read from there."""

    __tablename__ = "event_deliveries"
    __table_args__ = (Index("ix_event_deliveries_member", "member_id"),)

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )


class EventChannelPost(Base):
    """The ledger's channel rows: each channel an announcement was posted in."""

    __tablename__ = "event_channel_posts"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )


class EventAttendance(Base):
    """Who came, marked by the champion or by checking in with the event's code."""

    __tablename__ = "event_attendance"
    __table_args__ = (UniqueConstraint("event_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    how: Mapped[str] = mapped_column(String(12))  # champion | checkin
    recorded_at: Mapped[datetime]
    # Whether they gave feedback (never what they said: that has no member link).
    feedback_given: Mapped[bool] = mapped_column(Boolean, default=False)


class EventFeedback(Base):
    """An anonymous answer: no member, no timestamp, a random key (see EvaluationResponse)."""

    __tablename__ = "event_feedback"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)


# --- events -------------------------------------------------------------------------


def new_event(champion_id: int, now: datetime, **fields: Any) -> Event:
    return Event(
        champion_id=champion_id,
        status="draft",
        uid=f"{uuid.uuid4().hex}@benchmate",
        sequence=0,
        calendar_token=secrets.token_urlsafe(24),
        reach=0,
        created_at=now,
        updated_at=now,
        **fields,
    )


async def event(session: AsyncSession, event_id: int | None) -> Event | None:
    return await session.get(Event, event_id) if event_id is not None else None


async def event_in_batch(session: AsyncSession, event_id: int | None) -> Event | None:
    """The event, read once per session however many rows ask (the outbox's send-time checks:
    the identity map holds objects weakly, so it alone would read it again for every row)."""
    cache: dict[int | None, Event | None] = session.info.setdefault("events.by_id", {})
    if event_id not in cache:
        cache[event_id] = await event(session, event_id)
    return cache[event_id]


async def locked(session: AsyncSession, event_id: int) -> Event | None:
    """The event, with its row locked for this transaction (RSVPs queue behind it)."""
    return await session.scalar(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def by_token(session: AsyncSession, token: str) -> Event | None:
    return await session.scalar(
        select(Event).where(Event.calendar_token == token, Event.status != "draft")
    )


async def by_code(session: AsyncSession, code: str) -> Event | None:
    cleaned = re.sub(r"[^A-Z0-9]", "", code.upper())
    if not cleaned:
        return None
    return await session.scalar(select(Event).where(Event.checkin_code == cleaned))


def new_checkin_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def mark_sent(session: AsyncSession, event_id: int, now: datetime) -> bool:
    """Draft → sent, once: pressing Send twice (or in two places at once) sends once."""
    result = await session.execute(
        update(Event)
        .where(Event.id == event_id, Event.status == "draft")
        .values(status="sent", sent_at=now, updated_at=now, checkin_code=new_checkin_code())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_cancelled(session: AsyncSession, event_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(Event)
        .where(Event.id == event_id, Event.status == "sent")
        .values(
            status="cancelled",
            cancelled_at=now,
            updated_at=now,
            sequence=Event.sequence + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def network_broadcasts_since(session: AsyncSession, champion_id: int, since: datetime) -> int:
    return (
        await session.scalar(
            select(func.count()).where(
                Event.champion_id == champion_id,
                Event.network_wide.is_(True),
                Event.sent_at >= since,
            )
        )
        or 0
    )


async def organised_by(
    session: AsyncSession, member_id: int | None, now: datetime, limit: int = 20
) -> list[Event]:
    """Events a champion may manage: drafts and those not long over (all, for admins: None)."""
    query = select(Event).where(
        or_(Event.status == "draft", Event.ends_at > now - RECENT),
    )
    if member_id is not None:
        query = query.where(Event.champion_id == member_id)
    rows = await session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit))
    return list(rows)


async def open_to(
    session: AsyncSession, member: Member, now: datetime, limit: int = 10
) -> list[Event]:
    """Sent events not yet over that are open to this member, soonest first."""
    told = select(EventDelivery.event_id).where(EventDelivery.member_id == member.id)
    answered = select(EventRsvp.event_id).where(EventRsvp.member_id == member.id)
    mine = set(await session.scalars(told.union(answered)))
    candidates = await session.scalars(
        select(Event)
        .where(Event.status == "sent", Event.ends_at > now)
        .order_by(Event.starts_at, Event.id)
        .limit(OPEN_LOOKAHEAD)
    )
    interests = await interests_of(session, member)
    found = [
        candidate
        for candidate in candidates
        if candidate.id in mine
        or candidate.audience.get("channels")
        or includes(candidate.audience, member.institution_id, interests)
    ]
    return found[:limit]


async def is_open_to(session: AsyncSession, found: Event, member: Member) -> bool:
    """May this member answer? Those the audience includes, or who were told or answered;
    anyone for an event posted in a channel (the bot cannot see who reads a channel)."""
    if found.audience.get("channels") or includes(
        found.audience, member.institution_id, await interests_of(session, member)
    ):
        return True
    told = await session.scalar(
        select(EventDelivery.member_id).where(
            EventDelivery.event_id == found.id, EventDelivery.member_id == member.id
        )
    )
    return told is not None or await rsvp_of(session, found.id, member.id) is not None


async def going_to(
    session: AsyncSession, member_id: int, now: datetime, limit: int = 5
) -> list[tuple[Event, str]]:
    """Upcoming events this member is going to or waiting for, with that answer."""
    rows = await session.execute(
        select(Event, EventRsvp.answer)
        .join(EventRsvp, EventRsvp.event_id == Event.id)
        .where(
            EventRsvp.member_id == member_id,
            EventRsvp.answer.in_(("going", "waitlist")),
            Event.status == "sent",
            Event.ends_at > now,
        )
        .order_by(Event.starts_at)
        .limit(limit)
    )
    return [(found, answer) for found, answer in rows]


# --- the audience ------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    member_id: int
    timezone: str | None


def normal(word: str) -> str:
    return " ".join(re.sub(r"[^\w+#.-]+", " ", word.lower()).split())


def interest_matches(interests: Iterable[str], specialisms: Iterable[str]) -> bool:
    """Whether any chosen interest names one of a member's specialisms, as whole words."""
    theirs = [f" {normal(s)} " for s in specialisms if s]
    wanted = [f" {normal(i)} " for i in interests if normal(i)]
    return any(want in their for want in wanted for their in theirs)


def includes(chosen: dict[str, Any], institution_id: int | None, specialisms: list[str]) -> bool:
    """The audience rule for one member: everyone, or the chosen institutions and/or
    interests (both chosen: a member must match both). Channels are not members."""
    if chosen.get("network"):
        return True
    institutions = chosen.get("institutions") or []
    interests = [i for i in chosen.get("interests") or [] if normal(i)]
    if not institutions and not interests:
        return False
    if institutions and institution_id not in institutions:
        return False
    return not interests or interest_matches(interests, specialisms)


async def interests_of(session: AsyncSession, member: Member) -> list[str]:
    """A member's specialisms, from their profile and their mentoring profile."""
    mentoring = await session.scalar(
        select(MentoringProfile.specialisms).where(MentoringProfile.member_id == member.id)
    )
    return [*(member.specialisms or []), *(mentoring or [])]


async def audience(session: AsyncSession, chosen: dict[str, Any]) -> list[Recipient]:
    """The members an announcement reaches now: one per member, however many identities
    (a member on Slack and Teams is one row). Only members with a reachable identity."""
    reachable = exists().where(
        PlatformIdentity.member_id == Member.id, PlatformIdentity.unreachable_at.is_(None)
    )
    query = (
        select(Member.id, Member.timezone, Member.institution_id, Member.specialisms)
        .where(reachable)
        .order_by(Member.id)
    )
    if chosen.get("network"):
        return [Recipient(row.id, row.timezone) for row in await session.execute(query)]
    if chosen.get("institutions"):  # narrowed in SQL; `includes` has the last word
        query = query.where(Member.institution_id.in_(chosen["institutions"]))
    query = query.add_columns(MentoringProfile.specialisms.label("mentoring")).outerjoin(
        MentoringProfile, MentoringProfile.member_id == Member.id
    )
    return [
        Recipient(row.id, row.timezone)
        for row in await session.execute(query)
        if includes(chosen, row.institution_id, [*(row.specialisms or []), *(row.mentoring or [])])
    ]


async def channels(session: AsyncSession, ids: Iterable[int] | None = None) -> list[Channel]:
    """Active channels where the bot may post (only those of `ids` when given)."""
    query = select(Channel).where(Channel.active.is_(True)).order_by(Channel.name, Channel.id)
    if ids is not None:
        query = query.where(Channel.id.in_(list(ids)))
    return list(await session.scalars(query))


async def institution_names(session: AsyncSession, ids: Iterable[int]) -> list[str]:
    rows = await session.scalars(
        select(Institution.name).where(Institution.id.in_(list(ids))).order_by(Institution.name)
    )
    return list(rows)


# --- the delivery ledger --------------------------------------------------------------


def broadcast_key(event_id: int, member_id: int) -> str:
    """The outbox key of an announcement to one member: unique, so queued once."""
    return f"broadcast:{event_id}:{member_id}"


def channel_post_key(event_id: int, channel_id: int) -> str:
    return f"broadcast:{event_id}:channel:{channel_id}"


def _key(*parts: Any) -> Any:
    """The same keys built in SQL, to join the ledger to the outbox by its unique key."""
    built = literal("broadcast:")
    for part in parts:
        built = built + (cast(part, String) if not isinstance(part, str) else literal(part))
    return built


async def record_deliveries(
    session: AsyncSession, event_id: int, member_ids: list[int], channel_ids: list[int]
) -> None:
    """Ledger rows for the recipients; one already recorded is skipped."""
    await _insert_ids(session, EventDelivery.__table__, event_id, "member_id", member_ids)  # type: ignore[arg-type]
    await _insert_ids(session, EventChannelPost.__table__, event_id, "channel_id", channel_ids)  # type: ignore[arg-type]


async def _insert_ids(
    session: AsyncSession, table: Table, event_id: int, column: str, ids: list[int]
) -> None:
    """(event, id) pairs, skipping those present. PostgreSQL gets the ids as one array:
    one parameter, not one per row (10,000 recipients cost one round trip)."""
    if not ids:
        return
    if session.get_bind().dialect.name != "postgresql":
        await insert_ignore_many(session, table, [{"event_id": event_id, column: i} for i in ids])
        return
    pairs = select(literal(event_id), func.unnest(bindparam("ids", type_=ARRAY(Integer))))
    statement = postgresql.insert(table).from_select(["event_id", column], pairs)
    await session.execute(statement.on_conflict_do_nothing(), {"ids": ids})


@dataclass
class Ledger:
    """An announcement's deliveries, live from the outbox."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed + self.skipped

    def add(self, status: str, error: str | None, count: int) -> None:
        if status == "sent":
            self.sent += count
        elif status == "dead":
            self.failed += count
            reason = (error or "no reason recorded")[:120]
            self.reasons[reason] = self.reasons.get(reason, 0) + count
        elif status == "skipped":
            self.skipped += count
        else:  # queued, or being sent
            self.queued += count


async def ledger(session: AsyncSession, event_id: int) -> Ledger:
    found = Ledger()
    member_key = _key(EventDelivery.event_id, ":", EventDelivery.member_id)
    channel_key = _key(EventChannelPost.event_id, ":channel:", EventChannelPost.channel_id)
    for table, key in ((EventDelivery, member_key), (EventChannelPost, channel_key)):
        rows = await session.execute(
            select(OutboxMessage.status, OutboxMessage.last_error, func.count())
            .select_from(table)
            .join(OutboxMessage, OutboxMessage.key == key)
            .where(table.event_id == event_id)
            .group_by(OutboxMessage.status, OutboxMessage.last_error)
        )
        for status, error, count in rows:
            found.add(status, error, count)
    return found


async def recipients(session: AsyncSession, event_id: int) -> list[int]:
    """The members in the ledger, in order (one row each: the primary key says so)."""
    rows = await session.scalars(
        select(EventDelivery.member_id)
        .where(EventDelivery.event_id == event_id)
        .order_by(EventDelivery.member_id)
    )
    return list(rows)


async def told_channels(session: AsyncSession, event_id: int) -> list[int]:
    rows = await session.scalars(
        select(EventChannelPost.channel_id).where(EventChannelPost.event_id == event_id)
    )
    return list(rows)


# --- RSVPs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    previous: str | None
    answer: str
    # Place in the waitlist queue (1 = next in line), when waitlisted.
    place: int | None = None
    # Members moved up from the waitlist by this change, with their queue positions.
    promoted: list[tuple[int, int]] = field(default_factory=list)


async def rsvp_of(session: AsyncSession, event_id: int, member_id: int) -> EventRsvp | None:
    return await session.scalar(
        select(EventRsvp).where(EventRsvp.event_id == event_id, EventRsvp.member_id == member_id)
    )


async def counts(session: AsyncSession, event_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(EventRsvp.answer, func.count())
        .where(EventRsvp.event_id == event_id)
        .group_by(EventRsvp.answer)
    )
    found = dict.fromkeys(ANSWERS, 0)
    found.update(dict(rows.all()))
    return found


async def answer(
    session: AsyncSession, found: Event, member_id: int, wanted: str, now: datetime
) -> Answered:
    """Record an answer under the event's lock: a full event puts "going" on the waitlist,
    and a place given up goes to the waitlist, first come first served."""
    if wanted not in ("going", "maybe", "not_going"):
        raise ValueError(f"not an answer: {wanted}")
    await locked(session, found.id)
    mine = await rsvp_of(session, found.id, member_id)
    previous = mine.answer if mine else None
    if wanted == "going" and previous in ("going", "waitlist"):
        return Answered(previous, previous, await _place(session, found.id, mine))
    new, position = wanted, None
    if wanted == "going" and not await _has_room(session, found):
        new, position = "waitlist", await _next_position(session, found.id)
    if mine is None:
        mine = EventRsvp(event_id=found.id, member_id=member_id)
        session.add(mine)
    mine.answer, mine.position, mine.answered_at = new, position, now
    await session.flush()
    promoted = await promote(session, found, now) if previous == "going" else []
    return Answered(previous, new, await _place(session, found.id, mine), promoted)


async def promote(session: AsyncSession, found: Event, now: datetime) -> list[tuple[int, int]]:
    """Fill free places from the waitlist in order; (member id, position) of each promoted.

    The caller holds the event's lock (answer, or an edit that raised the capacity).
    """
    if found.capacity is None:
        free = None
    else:
        free = found.capacity - await _going(session, found.id)
        if free <= 0:
            return []
    query = (
        select(EventRsvp)
        .where(EventRsvp.event_id == found.id, EventRsvp.answer == "waitlist")
        .order_by(EventRsvp.position, EventRsvp.id)
    )
    if free is not None:
        query = query.limit(free)
    moved = []
    for waiting in await session.scalars(query):
        moved.append((waiting.member_id, waiting.position or 0))
        waiting.answer, waiting.answered_at = "going", now
    await session.flush()
    return moved


async def _going(session: AsyncSession, event_id: int) -> int:
    return (
        await session.scalar(
            select(func.count()).where(EventRsvp.event_id == event_id, EventRsvp.answer == "going")
        )
        or 0
    )


async def _has_room(session: AsyncSession, found: Event) -> bool:
    return found.capacity is None or await _going(session, found.id) < found.capacity


async def _next_position(session: AsyncSession, event_id: int) -> int:
    last = await session.scalar(
        select(func.max(EventRsvp.position)).where(EventRsvp.event_id == event_id)
    )
    return (last or 0) + 1


async def _place(session: AsyncSession, event_id: int, mine: EventRsvp | None) -> int | None:
    if mine is None or mine.answer != "waitlist" or mine.position is None:
        return None
    ahead = await session.scalar(
        select(func.count()).where(
            EventRsvp.event_id == event_id,
            EventRsvp.answer == "waitlist",
            EventRsvp.position < mine.position,
        )
    )
    return (ahead or 0) + 1


async def answered_by(
    session: AsyncSession, event_id: int, answers: Iterable[str] = ANSWERS
) -> list[tuple[int, str | None]]:
    """(member id, timezone) of everyone whose answer is one of `answers`."""
    rows = await session.execute(
        select(Member.id, Member.timezone)
        .join(EventRsvp, EventRsvp.member_id == Member.id)
        .where(EventRsvp.event_id == event_id, EventRsvp.answer.in_(list(answers)))
        .order_by(Member.id)
    )
    return [(member, zone) for member, zone in rows]


async def going_names(session: AsyncSession, event_id: int, limit: int = 100) -> list[Member]:
    """Members going (then maybe), for the champion's attendance form."""
    order = case((EventRsvp.answer == "going", 0), else_=1)
    rows = await session.scalars(
        select(Member)
        .join(EventRsvp, EventRsvp.member_id == Member.id)
        .where(EventRsvp.event_id == event_id, EventRsvp.answer.in_(("going", "maybe")))
        .order_by(order, Member.display_name)
        .limit(limit)
    )
    return list(rows)


# --- reminders (the job) ----------------------------------------------------------------


async def due_reminders(
    session: AsyncSession, column: str, before: datetime, now: datetime
) -> list[Event]:
    """Sent events starting after `now` and by `before` whose `column` reminder is not done."""
    mark = getattr(Event, column)
    rows = await session.scalars(
        select(Event)
        .where(
            Event.status == "sent",
            Event.starts_at > now,
            Event.starts_at <= before,
            mark.is_(None),
        )
        .order_by(Event.starts_at)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


# --- attendance and feedback ----------------------------------------------------------


async def mark_attended(
    session: AsyncSession, event_id: int, member_ids: Iterable[int], how: str, now: datetime
) -> list[int]:
    """Record attendance; returns the members newly marked."""
    added = []
    for member_id in member_ids:
        if await insert_ignore(
            session,
            EventAttendance.__table__,  # type: ignore[arg-type]
            {
                "event_id": event_id,
                "member_id": member_id,
                "how": how,
                "recorded_at": now,
                "feedback_given": False,
            },
        ):
            added.append(member_id)
    return added


async def unmark_attended(
    session: AsyncSession, event_id: int, keep: Iterable[int], among: Iterable[int]
) -> int:
    """Champion's form: those among the listed members who were not ticked did not come."""
    drop = set(among) - set(keep)
    if not drop:
        return 0
    result = await session.execute(
        delete(EventAttendance).where(
            EventAttendance.event_id == event_id,
            EventAttendance.member_id.in_(drop),
            EventAttendance.how == "champion",
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def attended_ids(session: AsyncSession, event_id: int) -> set[int]:
    rows = await session.scalars(
        select(EventAttendance.member_id).where(EventAttendance.event_id == event_id)
    )
    return set(rows)


async def attendance_of(
    session: AsyncSession, event_id: int, member_id: int
) -> EventAttendance | None:
    return await session.scalar(
        select(EventAttendance).where(
            EventAttendance.event_id == event_id, EventAttendance.member_id == member_id
        )
    )


async def record_feedback(
    session: AsyncSession, event_id: int, member_id: int, score: int, comment: str | None
) -> bool:
    """Store an anonymous answer once per attendee; False if not an attendee or already given."""
    result = await session.execute(
        update(EventAttendance)
        .where(
            EventAttendance.event_id == event_id,
            EventAttendance.member_id == member_id,
            EventAttendance.feedback_given.is_(False),
        )
        .values(feedback_given=True)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    session.add(EventFeedback(id=uuid.uuid4().hex, event_id=event_id, score=score, comment=comment))
    await session.flush()
    return True


async def feedback(session: AsyncSession, event_id: int) -> list[EventFeedback]:
    return list(
        await session.scalars(select(EventFeedback).where(EventFeedback.event_id == event_id))
    )


# --- impact figures -------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    events_held: int
    attendances: int
    by_institution: list[tuple[str, int]]


async def impact(session: AsyncSession, since: datetime, until: datetime) -> Impact:
    """Events held (sent, not cancelled, ended) in the window and who came, by institution."""
    held = and_(Event.status == "sent", Event.ends_at >= since, Event.ends_at <= until)
    events_held = await session.scalar(select(func.count()).where(held)) or 0
    by_institution = await _attendance_by_institution(session, held)
    return Impact(events_held, sum(count for _, count in by_institution), by_institution)


async def attendance_by_institution(session: AsyncSession, event_id: int) -> list[tuple[str, int]]:
    return await _attendance_by_institution(session, Event.id == event_id)


async def _attendance_by_institution(session: AsyncSession, which: Any) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(func.coalesce(Institution.name, "No institution given"), func.count())
        .select_from(EventAttendance)
        .join(Event, Event.id == EventAttendance.event_id)
        .join(Member, Member.id == EventAttendance.member_id)
        .outerjoin(Institution, Institution.id == Member.institution_id)
        .where(which)
        .group_by(Institution.name)
        .order_by(func.count().desc(), Institution.name)
    )
    return [(name, count) for name, count in rows]
