"""Mentoring: profiles, schemes, requests, relationships, meetings, evaluations.

The queries here are the ones the mentoring feature needs. Scoring lives in
handlers/mentoring/matching.py (pure); this module only stores the tags and
weights it is given and pre-ranks candidates by them in SQL, so `mentor find`
never loads every mentor of a large network into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Date,
    Integer,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.anonymous import SealedRound, random_key, seal
from store.mentoring.models import (
    DontPair,
    EvaluationResponse,
    EvaluationReturn,
    MatchDraft,
    Meeting,
    MentoringProfile,
    MentorRequest,
    MentorTag,
    Objective,
    PrivateNote,
    Relationship,
    Scheme,
    SchemeMember,
)
from store.mentoring.tags import Weights, find_tags, word_keys
from store.models import Base, Institution, Member, RoleGrant
from store.upsert import insert_ignore, update_many


async def profile_of(session: AsyncSession, member_id: int) -> MentoringProfile | None:
    return await session.get(MentoringProfile, member_id)


async def save_profile(
    session: AsyncSession,
    member_id: int,
    values: dict[str, Any],
    dont_pair: list[int],
    now: datetime,
    weights: Weights,
) -> MentoringProfile:
    """Create or replace a member's profile and the tags `find` ranks mentors by."""
    profile = await profile_of(session, member_id)
    if profile is None:
        profile = MentoringProfile(member_id=member_id)
        session.add(profile)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.is_mentor = profile.role in ("mentor", "both") and profile.capacity > 0
    profile.search_text = " | ".join(
        [*profile.specialisms, *profile.equipment, profile.offer or ""]
    ).lower()
    profile.updated_at = now
    await session.flush()
    await session.execute(delete(DontPair).where(DontPair.member_id == member_id))
    session.add_all(DontPair(member_id=member_id, other_id=other) for other in set(dont_pair))
    await refresh_open_places(session, member_id, weights)
    return profile


async def dont_pair_of(session: AsyncSession, member_id: int) -> list[int]:
    rows = await session.scalars(select(DontPair.other_id).where(DontPair.member_id == member_id))
    return list(rows)


async def refresh_open_places(session: AsyncSession, member_id: int, weights: Weights) -> None:
    """Recount a mentor's free places and re-index them for `find` (after any change),
    each tag worth the points `weights` (the matching rule's) gives its kind."""
    profile = await session.get(MentoringProfile, member_id, with_for_update=True)
    if profile is None:
        return
    active = await active_mentee_count(session, member_id)
    profile.open_places = max(profile.capacity - active, 0)
    await session.execute(delete(MentorTag).where(MentorTag.member_id == member_id))
    if profile.is_mentor and profile.open_places > 0:
        tags = find_tags(profile.specialisms, profile.equipment, profile.registration_held, weights)
        session.add_all(
            MentorTag(
                member_id=member_id, tag=tag, weight=weight, paused_until=profile.paused_until
            )
            for tag, weight in tags
        )
    await session.flush()


async def active_mentee_count(session: AsyncSession, mentor_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Relationship)
            .where(Relationship.mentor_id == mentor_id, Relationship.status == "active")
        )
        or 0
    )


async def scheme(session: AsyncSession, scheme_id: int) -> Scheme | None:
    return await session.get(Scheme, scheme_id)


async def schemes(session: AsyncSession) -> list[Scheme]:
    return list(await session.scalars(select(Scheme).order_by(Scheme.id)))


async def schemes_of(session: AsyncSession, member_id: int) -> list[Scheme]:
    rows = await session.scalars(
        select(Scheme)
        .join(SchemeMember, SchemeMember.scheme_id == Scheme.id)
        .where(SchemeMember.member_id == member_id)
        .order_by(Scheme.id)
    )
    return list(rows)


async def open_schemes(session: AsyncSession, today: date) -> list[Scheme]:
    rows = await session.scalars(
        select(Scheme)
        .where(
            or_(Scheme.opens_on.is_(None), Scheme.opens_on <= today),
            or_(Scheme.closes_on.is_(None), Scheme.closes_on >= today),
        )
        .order_by(Scheme.id)
    )
    return list(rows)


async def join_scheme(session: AsyncSession, scheme_id: int, member_id: int, now: datetime) -> bool:
    return await insert_ignore(
        session,
        SchemeMember.__table__,  # type: ignore[arg-type]
        {"scheme_id": scheme_id, "member_id": member_id, "joined_at": now},
    )


async def in_scheme(session: AsyncSession, scheme_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(SchemeMember.member_id).where(
            SchemeMember.scheme_id == scheme_id, SchemeMember.member_id == member_id
        )
    )
    return found is not None


async def coordinates(session: AsyncSession, member_id: int) -> list[Scheme]:
    """The schemes this member may run: theirs, or every scheme for an admin."""
    is_admin = await session.scalar(
        select(RoleGrant.id).where(RoleGrant.member_id == member_id, RoleGrant.role == "admin")
    )
    query = select(Scheme).order_by(Scheme.id)
    if not is_admin:
        query = query.where(Scheme.coordinator_id == member_id)
    return list(await session.scalars(query))


async def scheme_clashes(
    session: AsyncSession, name: str, short_name: str, except_id: int | None
) -> set[str]:
    """Which of "name" and "short_name" another scheme already has (in any letter case)."""
    query = select(Scheme.name, Scheme.short_name).where(
        or_(
            func.lower(Scheme.name) == name.lower(),
            func.lower(Scheme.short_name) == short_name.lower(),
        )
    )
    if except_id is not None:
        query = query.where(Scheme.id != except_id)
    clashes = set()
    for other_name, other_short in (await session.execute(query)).all():
        if other_name.lower() == name.lower():
            clashes.add("name")
        if other_short.lower() == short_name.lower():
            clashes.add("short_name")
    return clashes


async def saved_unless_taken(session: AsyncSession, row: Base) -> bool:
    """Write a new or changed row; False, with nothing written, when a unique key it
    needs was taken in the meantime (a scheme's name, say)."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return False
    return True


# --- finding mentors -----------------------------------------------------------------


@dataclass(frozen=True)
class MentorRow:
    """What scoring needs to know about one mentor."""

    member_id: int
    name: str
    job_title: str
    institution_id: int | None
    institution_name: str
    specialisms: list[str]
    equipment: list[str]
    registration_held: list[str]
    format: str
    open_places: int
    career_stage: str | None


def _eligible(scheme_id: int, today: date) -> list[Any]:
    return [
        MentoringProfile.is_mentor.is_(True),
        MentoringProfile.open_places > 0,
        or_(MentoringProfile.paused_until.is_(None), MentoringProfile.paused_until <= today),
        SchemeMember.scheme_id == scheme_id,
    ]


def _with_words(member_id: Any, words: list[str]) -> list[Any]:
    """Each typed word must be a word of the mentor's specialisms or equipment: one
    lookup of its `w:` tag in the tag index per word, never a scan of the profiles.
    """
    conditions = []
    for key in dict.fromkeys(key for word in words for key in word_keys(word)):
        tagged = MentorTag.__table__.alias()
        listed = select(tagged.c.member_id).where(tagged.c.tag == f"w:{key}")
        conditions.append(member_id.in_(listed))
    return conditions


async def ranked_by_tags(
    session: AsyncSession,
    *,
    today: date,
    tags: list[str],
    words: list[str],
    limit: int,
    offset: int,
) -> list[tuple[int, int]]:
    """(mentor, tag points) for mentors with room sharing a tag, best first, in SQL.

    Only the tag index is read (words too are looked up there), never every
    mentor. Scheme membership is checked on the rows read back (`mentor_rows`),
    which keeps this an index scan and an aggregate.
    """
    if not tags:
        return []
    points = func.sum(MentorTag.weight)
    query = (
        select(MentorTag.member_id, points)
        .where(
            MentorTag.tag.in_(tags),
            or_(MentorTag.paused_until.is_(None), MentorTag.paused_until <= today),
            # `+ 0`: the words test the rows the tags find. Left bare, SQLite would probe
            # the index once per tag for every mentor a common word lists: far slower.
            *_with_words(MentorTag.member_id + 0, words),
        )
        .group_by(MentorTag.member_id)
        .order_by(points.desc(), MentorTag.member_id)
        .limit(limit)
        .offset(offset)
    )
    return [(int(m), int(p)) for m, p in (await session.execute(query)).all()]


async def open_mentors(
    session: AsyncSession,
    *,
    scheme_id: int,
    today: date,
    words: list[str],
    institution_id: int | None,
    limit: int,
) -> list[int]:
    """Open mentors whatever their tags, other institutions first (the fallback of `find`)."""
    elsewhere = case((Member.institution_id == institution_id, 1), else_=0)
    query = (
        select(MentoringProfile.member_id)
        .join(SchemeMember, SchemeMember.member_id == MentoringProfile.member_id)
        .join(Member, Member.id == MentoringProfile.member_id)
        .where(*_eligible(scheme_id, today), *_with_words(MentoringProfile.member_id, words))
        .order_by(elsewhere, MentoringProfile.open_places.desc(), MentoringProfile.member_id)
        .limit(limit)
    )
    return list(await session.scalars(query))


_IN_SCHEME = select(SchemeMember.member_id).where(
    SchemeMember.scheme_id == bindparam("scheme"),
    SchemeMember.member_id.in_(bindparam("ids", expanding=True)),
)
_MENTOR_ROWS = (
    select(
        MentoringProfile.member_id,
        Member.display_name,
        Member.job_title,
        Member.institution_id,
        Institution.name,
        MentoringProfile.specialisms,
        MentoringProfile.equipment,
        MentoringProfile.registration_held,
        MentoringProfile.format,
        MentoringProfile.open_places,
        MentoringProfile.career_stage,
    )
    .join(Member, Member.id == MentoringProfile.member_id)
    .outerjoin(Institution, Institution.id == Member.institution_id)
    # A mentor who paused every message would never hear of a request: not offered.
    .where(
        MentoringProfile.member_id.in_(bindparam("ids", expanding=True)),
        Member.proactive_paused.is_(False),
    )
)


async def mentor_rows(
    session: AsyncSession, member_ids: list[int], scheme_id: int | None = None
) -> list[MentorRow]:
    """Scoring facts for these mentors (only those in `scheme_id`, when given)."""
    if scheme_id is not None and member_ids:
        # A lookup on the membership key, kept apart so no planner hashes a whole scheme.
        given = {"scheme": scheme_id, "ids": member_ids}
        member_ids = list(await session.scalars(_IN_SCHEME, given))
    if not member_ids:
        return []
    return [
        MentorRow(
            member_id=row[0],
            name=row[1],
            job_title=row[2] or "",
            institution_id=row[3],
            institution_name=row[4] or "",
            specialisms=list(row[5] or []),
            equipment=list(row[6] or []),
            registration_held=list(row[7] or []),
            format=row[8],
            open_places=row[9],
            career_stage=row[10],
        )
        for row in (await session.execute(_MENTOR_ROWS, {"ids": member_ids})).all()
    ]


_DONT_PAIR_EITHER_SIDE = (
    select(DontPair.other_id)
    .where(DontPair.member_id == bindparam("mentee"))
    .union(select(DontPair.member_id).where(DontPair.other_id == bindparam("mentee")))
)
_ASKED_BEFORE = select(MentorRequest.mentor_id).where(
    MentorRequest.mentee_id == bindparam("mentee"),
    MentorRequest.scheme_id == bindparam("scheme"),
    MentorRequest.status.in_(("pending", "declined", "expired")),
)
_PAIRED_EVER = select(Relationship.mentor_id).where(Relationship.mentee_id == bindparam("mentee"))
_PAIRED_NOW = _PAIRED_EVER.where(Relationship.status == "active")


async def excluded_mentors(
    session: AsyncSession, scheme_id: int, mentee_id: int, *, include_previous: bool
) -> set[int]:
    """Mentors `find` must never suggest to this mentee (besides full or paused ones).
    Its statements are built once: `find` runs them every time (bench_crowd)."""
    excluded = {mentee_id}
    given = {"mentee": mentee_id, "scheme": scheme_id}
    excluded.update(await session.scalars(_DONT_PAIR_EITHER_SIDE, given))
    excluded.update(await session.scalars(_ASKED_BEFORE, given))
    paired = _PAIRED_NOW if include_previous else _PAIRED_EVER
    excluded.update(await session.scalars(paired, given))
    return excluded


async def pairs_ever(session: AsyncSession) -> set[tuple[int, int]]:
    """(mentee, mentor) of every relationship ever, in any scheme."""
    rows = await session.execute(select(Relationship.mentee_id, Relationship.mentor_id))
    return {(int(a), int(b)) for a, b in rows.all()}


async def asked_pairs(session: AsyncSession, scheme_id: int) -> set[tuple[int, int]]:
    rows = await session.execute(
        select(MentorRequest.mentee_id, MentorRequest.mentor_id).where(
            MentorRequest.scheme_id == scheme_id,
            MentorRequest.status.in_(("pending", "declined", "expired")),
        )
    )
    return {(int(a), int(b)) for a, b in rows.all()}


async def dont_pair_pairs(session: AsyncSession) -> set[tuple[int, int]]:
    """Every don't-pair entry, both ways round."""
    rows = (await session.execute(select(DontPair.member_id, DontPair.other_id))).all()
    return {(int(a), int(b)) for a, b in rows} | {(int(b), int(a)) for a, b in rows}


async def waiting_mentees(session: AsyncSession, scheme_id: int) -> list[int]:
    """Mentees of a scheme with no active relationship and no pending request."""
    busy = select(Relationship.mentee_id).where(
        Relationship.scheme_id == scheme_id, Relationship.status == "active"
    )
    asking = select(MentorRequest.mentee_id).where(
        MentorRequest.scheme_id == scheme_id, MentorRequest.status == "pending"
    )
    rows = await session.scalars(
        select(MentoringProfile.member_id)
        .join(SchemeMember, SchemeMember.member_id == MentoringProfile.member_id)
        .where(
            SchemeMember.scheme_id == scheme_id,
            MentoringProfile.role.in_(("mentee", "both")),
            MentoringProfile.member_id.not_in(busy),
            MentoringProfile.member_id.not_in(asking),
        )
        .order_by(MentoringProfile.member_id)
    )
    return list(rows)


async def mentees_with_profiles(
    session: AsyncSession, member_ids: list[int]
) -> list[tuple[Member, MentoringProfile]]:
    rows = await session.execute(
        select(Member, MentoringProfile)
        .join(MentoringProfile, MentoringProfile.member_id == Member.id)
        .where(Member.id.in_(member_ids))
        .order_by(Member.id)
    )
    return [(member, profile) for member, profile in rows.all()]


async def open_mentor_ids(session: AsyncSession, scheme_id: int, today: date) -> list[int]:
    rows = await session.scalars(
        select(MentoringProfile.member_id)
        .join(SchemeMember, SchemeMember.member_id == MentoringProfile.member_id)
        .where(*_eligible(scheme_id, today))
        .order_by(MentoringProfile.member_id)
    )
    return list(rows)


# --- requests ----------------------------------------------------------------------


async def create_request(session: AsyncSession, request: MentorRequest) -> bool:
    """Add a pending request; False when this mentee already has one in the scheme."""
    return await saved_unless_taken(session, request)


async def pending_request_of(
    session: AsyncSession, scheme_id: int, mentee_id: int
) -> MentorRequest | None:
    return await session.scalar(
        select(MentorRequest).where(
            MentorRequest.scheme_id == scheme_id,
            MentorRequest.mentee_id == mentee_id,
            MentorRequest.status == "pending",
        )
    )


async def answer_request(
    session: AsyncSession, request_id: int, status: str, now: datetime, reason: str | None = None
) -> bool:
    """Move a pending, unexpired request on; False if someone (or time) got there first."""
    result = await session.execute(
        update(MentorRequest)
        .where(
            MentorRequest.id == request_id,
            MentorRequest.status == "pending",
            MentorRequest.expires_at > now,
        )
        .values(status=status, answered_at=now, decline_reason=reason)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def lapsed_query(now: datetime, limit: int) -> Any:
    return (
        select(MentorRequest.id)
        .where(MentorRequest.status == "pending", MentorRequest.expires_at <= now)
        .order_by(MentorRequest.expires_at)
        .limit(limit)
    )


async def lapsed_requests(session: AsyncSession, now: datetime, limit: int = 200) -> list[int]:
    return list(await session.scalars(lapsed_query(now, limit)))


async def requests_expiring(
    session: AsyncSession, now: datetime, within: timedelta, limit: int = 500
) -> list[MentorRequest]:
    """Pending requests whose answer-by time falls in the next `within` (index: status, expiry)."""
    rows = await session.scalars(
        select(MentorRequest)
        .where(
            MentorRequest.status == "pending",
            MentorRequest.expires_at > now,
            MentorRequest.expires_at <= now + within,
        )
        .order_by(MentorRequest.expires_at)
        .limit(limit)
    )
    return list(rows)


async def meetings_on(session: AsyncSession, day: date, limit: int = 20_000) -> list[DuePair]:
    """Active pairs with a meeting booked on `day`: its check-in is the day after, so the
    next-due index holds them up to that day."""
    query = _due_statement("check", BOTH_NAMES).where(
        Relationship.check_due_on == bindparam("day", type_=Date)
    )
    check_on = day + timedelta(days=1)
    rows = await session.execute(query, {"today": check_on, "limit": limit, "day": check_on})
    return [DuePair._make(row) for row in rows.all()]


async def expire_request(session: AsyncSession, request_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(MentorRequest)
        .where(
            MentorRequest.id == request_id,
            MentorRequest.status == "pending",
            MentorRequest.expires_at <= now,
        )
        .values(status="expired", answered_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def requests_waiting_for(session: AsyncSession, mentor_id: int) -> list[MentorRequest]:
    rows = await session.scalars(
        select(MentorRequest)
        .where(MentorRequest.mentor_id == mentor_id, MentorRequest.status == "pending")
        .order_by(MentorRequest.created_at)
    )
    return list(rows)


async def requests_made_by(session: AsyncSession, mentee_id: int) -> list[MentorRequest]:
    rows = await session.scalars(
        select(MentorRequest)
        .where(MentorRequest.mentee_id == mentee_id, MentorRequest.status == "pending")
        .order_by(MentorRequest.created_at)
    )
    return list(rows)


# --- relationships -------------------------------------------------------------------


async def start_relationship(
    session: AsyncSession, request: MentorRequest, now: datetime, weights: Weights
) -> Relationship:
    relationship = Relationship(
        scheme_id=request.scheme_id,
        mentor_id=request.mentor_id,
        mentee_id=request.mentee_id,
        request_id=request.id,
        status="active",
        started_at=now,
    )
    session.add(relationship)
    await session.flush()
    await refresh_open_places(session, request.mentor_id, weights)
    return relationship


async def relationships_of(
    session: AsyncSession, member_id: int, *, active_only: bool = True
) -> list[Relationship]:
    query = select(Relationship).where(
        or_(Relationship.mentor_id == member_id, Relationship.mentee_id == member_id)
    )
    if active_only:
        query = query.where(Relationship.status == "active")
    return list(await session.scalars(query.order_by(Relationship.started_at, Relationship.id)))


async def active_relationships_in(session: AsyncSession, scheme_id: int) -> list[Relationship]:
    rows = await session.scalars(
        select(Relationship).where(
            Relationship.scheme_id == scheme_id, Relationship.status == "active"
        )
    )
    return list(rows)


async def relationship_for(
    session: AsyncSession, relationship_id: int, member_id: int
) -> Relationship | None:
    """A relationship, only if this member is one of the pair."""
    return await session.scalar(
        select(Relationship).where(
            Relationship.id == relationship_id,
            or_(Relationship.mentor_id == member_id, Relationship.mentee_id == member_id),
        )
    )


async def close_relationship(
    session: AsyncSession,
    relationship: Relationship,
    by: int,
    reason: str,
    comment: str | None,
    now: datetime,
    weights: Weights,
) -> bool:
    result = await session.execute(
        update(Relationship)
        .where(Relationship.id == relationship.id, Relationship.status == "active")
        .values(
            status="closed", closed_at=now, closed_by=by, exit_reason=reason, exit_comment=comment
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await session.refresh(relationship)
    await refresh_open_places(session, relationship.mentor_id, weights)
    return True


async def objectives_of(session: AsyncSession, relationship_id: int) -> list[Objective]:
    rows = await session.scalars(
        select(Objective)
        .where(Objective.relationship_id == relationship_id)
        .order_by(Objective.position, Objective.id)
    )
    return list(rows)


async def replace_objectives(
    session: AsyncSession, relationship_id: int, texts: list[str], now: datetime
) -> None:
    """Set the objective list, keeping the progress of objectives whose text is unchanged."""
    existing = {o.text: o for o in await objectives_of(session, relationship_id)}
    keep = set()
    for position, wording in enumerate(texts):
        objective = existing.get(wording)
        if objective is None:
            session.add(
                Objective(
                    relationship_id=relationship_id,
                    position=position,
                    text=wording,
                    state="open",
                    updated_at=now,
                )
            )
        else:
            objective.position = position
            keep.add(objective.id)
    for objective in existing.values():
        if objective.id not in keep:
            await session.delete(objective)
    await session.flush()


async def meetings_of(session: AsyncSession, relationship_id: int) -> list[Meeting]:
    rows = await session.scalars(
        select(Meeting)
        .where(Meeting.relationship_id == relationship_id)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
    )
    return list(rows)


async def notes_by(
    session: AsyncSession, author_id: int, meeting_ids: list[int]
) -> dict[int, list[str]]:
    """The author's own notes on these meetings; nobody else's, ever."""
    if not meeting_ids:
        return {}
    rows = await session.execute(
        select(PrivateNote.meeting_id, PrivateNote.text)
        .where(PrivateNote.author_id == author_id, PrivateNote.meeting_id.in_(meeting_ids))
        .order_by(PrivateNote.id)
    )
    notes: dict[int, list[str]] = {}
    for meeting_id, body in rows.all():
        notes.setdefault(meeting_id, []).append(body)
    return notes


# --- due work -----------------------------------------------------------------------
# Each kind of due work is one range scan of the (status, next_due_on) index up to its
# day, filtered by the kind's own date: a pair with that date reached has next_due_on on
# or before it too (models.NEXT_DUE_SQL).


class DuePair(NamedTuple):
    """A relationship with something due, and what the sweep needs to act on it.

    A tuple, built straight from the query's row: a morning's sweep makes thousands.
    The names are those the kind's messages use (DUE_NAMES), and "" where they are not.
    """

    id: int
    scheme_id: int
    mentor_id: int
    mentee_id: int
    mentor_name: str
    mentee_name: str
    agreed_cadence: str | None
    expected_months: int | None
    started_at: datetime
    last_meeting_on: date | None
    next_meeting_on: date | None
    cycle: int
    cycle_due_on: date | None
    nudge_due_on: date | None
    check_due_on: date | None
    nudges_this_cycle: int
    missed_cycles: int
    stall_due_on: date | None
    stall_reported_at: datetime | None
    nudges_muted: bool
    scheme_name: str
    coordinator_id: int | None
    cadence_weeks: int
    nudge_lead_days: int
    stall_missed_cycles: int
    stall_weeks: int


DUE_KINDS = ("nudge", "check", "missed", "stall", "midpoint", "end")
# Whose names each kind's messages show: a name is an index lookup per pair, so the
# kinds that write no names (a missed cycle, the evaluation invitations) read none.
DUE_NAMES: dict[str, tuple[bool, bool]] = {  # (mentor's, mentee's)
    "nudge": (True, False),
    "check": (True, False),
    "missed": (False, False),
    "stall": (True, True),
    "midpoint": (False, False),
    "end": (False, False),
}
BOTH_NAMES = (True, True)


# Written into the SQL, not bound: the due index holds active pairs only (NEXT_DUE_WHERE).
ACTIVE = Relationship.status == literal_column("'active'")


def _due_column(kind: str) -> Any:
    return {
        "nudge": Relationship.nudge_due_on,
        "check": Relationship.check_due_on,
        "missed": Relationship.cycle_due_on,
        "stall": Relationship.stall_due_on,
        "midpoint": Relationship.midpoint_due_on,
        "end": Relationship.end_due_on,
    }[kind]


def _name_of(member_id: Any, wanted: bool) -> Any:
    """A member's name by a correlated lookup of its primary key: one index probe per due
    pair, where a join would have PostgreSQL hash every member for each kind."""
    if not wanted:
        return literal_column("''")
    return select(Member.display_name).where(Member.id == member_id).scalar_subquery()


def _reached(kind: str, today: Any) -> Any:
    """Whether a pair's work of this kind is due by `today`."""
    # A meet-by day is itself still in time; it is missed from the day after (and the
    # generated next_due_on counts it from then).
    column = _due_column(kind)
    return column < today if kind == "missed" else column <= today


@lru_cache(maxsize=32)
def _due_statement(kind: str, names: tuple[bool, bool]) -> Any:
    """Built once per kind: the day and the limit are bound when it runs."""
    today = bindparam("today", type_=Date)
    mentor = _name_of(Relationship.mentor_id, names[0])
    mentee = _name_of(Relationship.mentee_id, names[1])
    return _due_select(mentor, mentee, today, _reached(kind, today))


@lru_cache(maxsize=1)
def _rhythm_statement() -> Any:
    """Every pair with meeting work due: a missed cycle, "did you meet?", a booking nudge
    or a report to the coordinator. The mentor's name is in all their messages; the
    mentee's only in the coordinator's digest, so it is looked up for the pairs gone quiet."""
    today = bindparam("today", type_=Date)
    mentor = _name_of(Relationship.mentor_id, True)
    stalled = _reached("stall", today)
    mentee = case((stalled, _name_of(Relationship.mentee_id, True)), else_=literal_column("''"))
    work = or_(*(_reached(kind, today) for kind in RHYTHM_KINDS))
    return _due_select(mentor, mentee, today, work)


RHYTHM_KINDS = ("missed", "check", "nudge", "stall")


def _due_select(mentor: Any, mentee: Any, today: Any, reached: Any) -> Any:
    return (
        select(
            Relationship.id,
            Relationship.scheme_id,
            Relationship.mentor_id,
            Relationship.mentee_id,
            mentor,
            mentee,
            Relationship.agreed_cadence,
            Relationship.expected_months,
            Relationship.started_at,
            Relationship.last_meeting_on,
            Relationship.next_meeting_on,
            Relationship.cycle,
            Relationship.cycle_due_on,
            Relationship.nudge_due_on,
            Relationship.check_due_on,
            Relationship.nudges_this_cycle,
            Relationship.missed_cycles,
            Relationship.stall_due_on,
            Relationship.stall_reported_at,
            Relationship.nudges_muted,
            Scheme.name,
            Scheme.coordinator_id,
            Scheme.cadence_weeks,
            Scheme.nudge_lead_days,
            Scheme.stall_missed_cycles,
            Scheme.stall_weeks,
        )
        .join(Scheme, Scheme.id == Relationship.scheme_id)
        .where(ACTIVE, Relationship.next_due_on <= today, reached)
        .order_by(Relationship.next_due_on)  # the index's own order: no sort step
        .limit(bindparam("limit", type_=Integer))
    )


def due_query(kind: str, today: date, limit: int, names: tuple[bool, bool] | None = None) -> Any:
    """The query of one kind of due work, its values bound (to print or EXPLAIN it)."""
    return _due_statement(kind, names or DUE_NAMES[kind]).params(today=today, limit=limit)


async def due(session: AsyncSession, kind: str, today: date, limit: int = 20_000) -> list[DuePair]:
    rows = await session.execute(
        _due_statement(kind, DUE_NAMES[kind]), {"today": today, "limit": limit}
    )
    return [DuePair._make(row) for row in rows.all()]


def meeting_work_query(today: date, limit: int) -> Any:
    """The query of all meeting work, its values bound (to print or EXPLAIN it)."""
    return _rhythm_statement().params(today=today, limit=limit)


async def meeting_work(session: AsyncSession, today: date, limit: int = 20_000) -> list[DuePair]:
    """Every pair with any meeting work due by `today`, each once (one range scan of the
    next-due index): the sweep works out all of a pair's steps and writes it once."""
    rows = await session.execute(_rhythm_statement(), {"today": today, "limit": limit})
    return [DuePair._make(row) for row in rows.all()]


async def apply_changes(session: AsyncSession, changes: dict[int, dict[str, Any]]) -> None:
    """Update many relationships by id, in a few statements (see store.upsert.update_many)."""
    await update_many(session, Relationship.__table__, changes)  # type: ignore[arg-type]


# --- evaluations ---------------------------------------------------------------------


async def record_evaluation(
    session: AsyncSession,
    relationship: Relationship,
    member_id: int,
    stage: str,
    round_: str,
    role: str,
    scores: dict[str, int],
    comment: str | None,
    today: date,
) -> bool:
    """Store an anonymous answer once per member, relationship and stage: the receipt
    (who) and the answer (what, with its round) share nothing (store/anonymous.py)."""
    marked = await insert_ignore(
        session,
        EvaluationReturn.__table__,  # type: ignore[arg-type]
        {
            "relationship_id": relationship.id,
            "member_id": member_id,
            "stage": stage,
            "round": round_,
            "returned_on": today,
        },
    )
    if not marked:
        return False
    await session.execute(
        insert(EvaluationResponse).values(
            id=random_key(),
            scheme_id=relationship.scheme_id,
            stage=stage,
            round=round_,
            role=role,
            scores=scores,
            comment=comment,
        )
    )
    return True


async def has_returned(
    session: AsyncSession, relationship_id: int, member_id: int, stage: str
) -> bool:
    found = await session.scalar(
        select(EvaluationReturn.id).where(
            EvaluationReturn.relationship_id == relationship_id,
            EvaluationReturn.member_id == member_id,
            EvaluationReturn.stage == stage,
        )
    )
    return found is not None


async def evaluation_responses(session: AsyncSession, scheme_id: int) -> list[EvaluationResponse]:
    rows = await session.scalars(
        select(EvaluationResponse).where(EvaluationResponse.scheme_id == scheme_id)
    )
    return list(rows)


async def returns_by_round(session: AsyncSession, scheme_id: int) -> dict[tuple[str, str], int]:
    """Receipts (who returned) per (stage, round) of a scheme."""
    rows = await session.execute(
        select(EvaluationReturn.stage, EvaluationReturn.round, func.count())
        .join(Relationship, Relationship.id == EvaluationReturn.relationship_id)
        .where(Relationship.scheme_id == scheme_id)
        .group_by(EvaluationReturn.stage, EvaluationReturn.round)
    )
    return {(stage, round_): int(n) for stage, round_, n in rows.all()}


def _round_key(scheme_id: int, stage: str, round_: str) -> str:
    return f"evaluation:{scheme_id}:{stage}:{round_}"


async def evaluation_rounds_unsealed(session: AsyncSession) -> list[tuple[int, str, str]]:
    """Every (scheme, stage, round) holding answers and not sealed yet."""
    rows = await session.execute(
        select(EvaluationResponse.scheme_id, EvaluationResponse.stage, EvaluationResponse.round)
        .distinct()
        .order_by(EvaluationResponse.scheme_id)
    )
    found = [(int(a), b, c) for a, b, c in rows.all()]
    sealed = set(
        await session.scalars(
            select(SealedRound.key).where(
                SealedRound.key.in_([_round_key(*each) for each in found])
            )
        )
    )
    return [each for each in found if _round_key(*each) not in sealed]


async def seal_evaluation_round(
    session: AsyncSession,
    scheme_id: int,
    stage: str,
    round_: str,
    keep_answers: bool,
    keep_comments: bool,
) -> bool:
    return await seal(
        session,
        _round_key(scheme_id, stage, round_),
        EvaluationResponse.__table__,  # type: ignore[arg-type]
        and_(
            EvaluationResponse.scheme_id == scheme_id,
            EvaluationResponse.stage == stage,
            EvaluationResponse.round == round_,
        ),
        keep_answers=keep_answers,
        keep_comments=keep_comments,
    )


# --- the coordinator's report ----------------------------------------------------------


@dataclass(frozen=True)
class PairLine:
    relationship_id: int
    mentor: str
    mentee: str
    status: str
    started: datetime
    meetings: int
    last_meeting_on: date | None
    exit_reason: str | None
    missed_cycles: int
    stalled: bool  # reported to the coordinator as gone quiet, and no meeting since


async def pair_lines(session: AsyncSession, scheme_id: int) -> list[PairLine]:
    mentor, mentee = Member.__table__.alias("mentor"), Member.__table__.alias("mentee")
    meetings = (
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.relationship_id == Relationship.id, Meeting.happened.is_(True))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            Relationship.id,
            mentor.c.display_name,
            mentee.c.display_name,
            Relationship.status,
            Relationship.started_at,
            meetings,
            Relationship.last_meeting_on,
            Relationship.exit_reason,
            Relationship.missed_cycles,
            Relationship.stall_reported_at.is_not(None),
        )
        .join(mentor, mentor.c.id == Relationship.mentor_id)
        .join(mentee, mentee.c.id == Relationship.mentee_id)
        .where(Relationship.scheme_id == scheme_id)
        .order_by(Relationship.status, Relationship.started_at, Relationship.id)
    )
    return [PairLine(*row) for row in rows.all()]


async def request_counts(session: AsyncSession, scheme_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(MentorRequest.status, func.count())
        .where(MentorRequest.scheme_id == scheme_id)
        .group_by(MentorRequest.status)
    )
    return {status: int(n) for status, n in rows.all()}


async def decline_reasons(session: AsyncSession, scheme_id: int) -> list[str]:
    rows = await session.scalars(
        select(MentorRequest.decline_reason).where(
            MentorRequest.scheme_id == scheme_id,
            MentorRequest.status == "declined",
            and_(MentorRequest.decline_reason.is_not(None), MentorRequest.decline_reason != ""),
        )
    )
    return [r for r in rows if r]


async def returns_by_stage(session: AsyncSession, scheme_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(EvaluationReturn.stage, func.count())
        .join(Relationship, Relationship.id == EvaluationReturn.relationship_id)
        .where(Relationship.scheme_id == scheme_id)
        .group_by(EvaluationReturn.stage)
    )
    return {stage: int(n) for stage, n in rows.all()}


async def names_of(session: AsyncSession, member_ids: list[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(Member.id, Member.display_name).where(Member.id.in_(member_ids))
    )
    return {int(i): name for i, name in rows.all()}


async def approve_draft(session: AsyncSession, draft_id: int) -> bool:
    """Claim a batch-match draft for approval; False if it was approved already."""
    claimed = await session.execute(
        update(MatchDraft)
        .where(MatchDraft.id == draft_id, MatchDraft.status == "draft")
        .values(status="approved")
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]
