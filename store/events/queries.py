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
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from store import row_queue
from store.anonymous import event_round, random_key, seal, sealed
from store.audience import includes, interests_of
from store.events.models import (
    ANSWERS,
    CODE_ALPHABET,
    CODE_LENGTH,
    OPEN_LOOKAHEAD,
    RECENT,
    Event,
    EventAttendance,
    EventChannelPost,
    EventDelivery,
    EventFeedback,
    EventFeedbackReceipt,
    EventRsvp,
)
from store.models import Institution, Member, OutboxMessage
from store.upsert import insert_ignore, insert_ignore_many

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


async def drop_abandoned_drafts(
    session: AsyncSession, champion_id: int | None, title: str, keep: int
) -> None:
    """Previews of the same event never sent (the champion started again): gone once it is."""
    await session.execute(
        delete(Event).where(
            Event.champion_id == champion_id,
            Event.status == "draft",
            Event.title == title,
            Event.id != keep,
        )
    )


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
    chosen = found.audience
    if chosen.get("channels") or chosen.get("network"):
        return True  # no need to look up their interests
    if includes(chosen, member.institution_id, await interests_of(session, member)):
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


# --- the delivery ledger --------------------------------------------------------------


def broadcast_key(event_id: int, member_id: int) -> str:
    """The outbox key of an announcement to one member: unique, so queued once."""
    return f"broadcast:{event_id}:{member_id}"


def channel_post_key(event_id: int, channel_id: int) -> str:
    return f"broadcast:{event_id}:channel:{channel_id}"


def _key(*parts: Any) -> Any:
    """The same keys built in SQL, to join the ledger to the outbox by its unique key."""
    built: ColumnElement[str] = literal("broadcast:")
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
    await _lock(session, found)
    counted = wanted == "going" and found.capacity is not None
    if counted:
        mine, tally = await _mine_and_tally(session, found.id, member_id)
    else:
        mine, tally = await rsvp_of(session, found.id, member_id), None
    previous = mine.answer if mine else None
    if wanted == "going" and previous in ("going", "waitlist"):
        return Answered(previous, previous, await _place(session, found.id, mine))
    new, position, place = wanted, None, None
    if tally is not None and found.capacity is not None and tally.going >= found.capacity:
        # full: last in line, behind everyone waiting
        new, position, place = "waitlist", tally.last_position + 1, tally.waiting + 1
    if mine is None:
        mine = EventRsvp(event_id=found.id, member_id=member_id)
        session.add(mine)
    mine.answer, mine.position, mine.answered_at = new, position, now
    await session.flush()
    promoted = await promote(session, found, now) if previous == "going" else []
    return Answered(previous, new, place, promoted)


async def _lock(session: AsyncSession, found: Event) -> None:
    """PostgreSQL: the event's row lock orders the answers, and `found` is read again under
    it (unless `event_to_answer` read it so). SQLite has no row locks: the process's one
    writer (store/writers.py) orders them, and `found` was read in this same writer's
    transaction."""
    if session.get_bind().dialect.name != "sqlite":
        if not row_queue.holds(session, "event", found.id):
            await row_queue.wait_turn(session, "event", found.id)
            await locked(session, found.id)


async def event_to_answer(session: AsyncSession, event_id: int | None) -> Event | None:
    """The event an RSVP answers, read once: on PostgreSQL under its row lock (queued in
    the process first), so the checks and the answer see one state of it."""
    if event_id is None or session.get_bind().dialect.name == "sqlite":
        return await event(session, event_id)
    await row_queue.wait_turn(session, "event", event_id)
    return await locked(session, event_id)


@dataclass(frozen=True)
class Tally:
    going: int
    waiting: int
    last_position: int  # the highest waitlist position ever given (promoted ones keep theirs)


def _mine_and_tally_statement() -> Any:
    """Built once: this statement runs under the event's lock on every RSVP in a rush,
    and building it afresh (an alias, a subquery) cost more than running it."""
    tally = (
        select(
            func.count().filter(EventRsvp.answer == "going").label("going"),
            func.count().filter(EventRsvp.answer == "waitlist").label("waiting"),
            func.max(EventRsvp.position).label("last"),
        )
        .where(EventRsvp.event_id == bindparam("event_id"))
        .subquery()
    )
    mine = aliased(EventRsvp)
    return (
        select(mine, tally.c.going, tally.c.waiting, tally.c.last)
        .select_from(tally)
        .outerjoin(
            mine,
            and_(mine.event_id == bindparam("event_id"), mine.member_id == bindparam("member_id")),
        )
    )


_MINE_AND_TALLY = _mine_and_tally_statement()


async def _mine_and_tally(
    session: AsyncSession, event_id: int, member_id: int
) -> tuple[EventRsvp | None, Tally]:
    """This member's answer, and places taken and the queue (one pass over the event's
    answers, its index), in one round trip: every one made under the lock holds it."""
    row = (
        await session.execute(_MINE_AND_TALLY, {"event_id": event_id, "member_id": member_id})
    ).one()
    found, going, waiting, last = row
    return found, Tally(going, waiting, last or 0)


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


async def has_given_feedback(session: AsyncSession, event_id: int, member_id: int) -> bool:
    return await session.get(EventFeedbackReceipt, (event_id, member_id)) is not None


async def record_feedback(
    session: AsyncSession, event_id: int, member_id: int, score: int, comment: str | None
) -> bool:
    """Store an anonymous answer once per person: the receipt (who) and the answer (what)
    go to separate tables that share nothing; False if they had already answered."""
    receipt = {"event_id": event_id, "member_id": member_id}
    if not await insert_ignore(session, EventFeedbackReceipt.__table__, receipt):  # type: ignore[arg-type]
        return False
    await session.execute(
        insert(EventFeedback).values(
            id=random_key(), event_id=event_id, score=score, comment=comment
        )
    )
    return True


async def feedback(session: AsyncSession, event_id: int) -> list[EventFeedback]:
    return list(
        await session.scalars(select(EventFeedback).where(EventFeedback.event_id == event_id))
    )


async def feedback_receipts(session: AsyncSession, event_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(EventFeedbackReceipt)
            .where(EventFeedbackReceipt.event_id == event_id)
        )
        or 0
    )


async def feedback_to_seal(session: AsyncSession, closed_before: datetime) -> list[int]:
    """Events whose feedback window closed before this instant and whose answers are not
    sealed yet (store/anonymous.py)."""
    rows = await session.scalars(
        select(Event.id)
        .where(
            Event.ends_at < closed_before,
            select(EventFeedbackReceipt.event_id)
            .where(EventFeedbackReceipt.event_id == Event.id)
            .exists(),
            ~sealed(event_round(Event.id)),
        )
        .order_by(Event.id)
    )
    return list(rows)


async def seal_feedback(
    session: AsyncSession, event_id: int, keep_answers: bool, keep_comments: bool
) -> bool:
    return await seal(
        session,
        f"event:{event_id}",
        EventFeedback.__table__,  # type: ignore[arg-type]
        EventFeedback.event_id == event_id,
        keep_answers=keep_answers,
        keep_comments=keep_comments,
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
