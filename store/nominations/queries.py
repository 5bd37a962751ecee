"""The queries the nominations feature needs: drives, nominating, consent, review, results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.mentoring.models import MentoringProfile
from store.models import Institution, Member, PlatformIdentity
from store.nominations.models import (
    Category,
    Conflict,
    Drive,
    Feedback,
    Nomination,
    Panelist,
    Score,
    Support,
)
from store.upsert import insert_ignore

NAME_MATCHES = 6

# --- drives ------------------------------------------------------------------------------


async def drive(session: AsyncSession, drive_id: int | None) -> Drive | None:
    if drive_id is None:
        return None
    return await session.get(Drive, drive_id)


async def locked_drive(session: AsyncSession, drive_id: int) -> Drive | None:
    """The drive read afresh, its row locked for this transaction, so changes to its
    categories check and write one at a time (PostgreSQL `FOR NO KEY UPDATE`; SQLite's
    single writer already runs them one at a time)."""
    found = await session.scalar(
        select(Drive)
        .where(Drive.id == drive_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if found is not None:
        await session.refresh(found, ["categories"])
    return found


async def category(session: AsyncSession, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    return await session.get(Category, category_id)


async def open_drives(session: AsyncSession, now: datetime) -> list[Drive]:
    """Drives taking nominations now."""
    rows = await session.scalars(
        select(Drive)
        .where(Drive.status == "open", Drive.internal_deadline > now)
        .order_by(Drive.internal_deadline, Drive.id)
    )
    return list(rows)


async def drives_in_progress(session: AsyncSession, now: datetime) -> list[Drive]:
    """Open drives whose review has not ended: the ones reminders may be due for."""
    rows = await session.scalars(
        select(Drive)
        .where(Drive.status == "open", Drive.review_until > now)
        .order_by(Drive.id)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def drives_managed(session: AsyncSession, member_id: int | None) -> list[Drive]:
    """Drives a coordinator looks after (every drive for `None`: an admin), newest first."""
    query = select(Drive).order_by(Drive.id.desc())
    if member_id is not None:
        query = query.where(Drive.coordinator_id == member_id)
    return list(await session.scalars(query))


async def mark_announced(session: AsyncSession, drive_id: int, now: datetime) -> bool:
    """Draft → open, once: pressing Announce twice announces once."""
    result = await session.execute(
        update(Drive)
        .where(Drive.id == drive_id, Drive.status == "draft")
        .values(status="open", announced_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_closed(session: AsyncSession, drive_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(Drive)
        .where(Drive.id == drive_id, Drive.status == "open")
        .values(status="closed", closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- panel -------------------------------------------------------------------------------


async def panel(session: AsyncSession, drive_id: int) -> list[Member]:
    rows = await session.scalars(
        select(Member)
        .join(Panelist, Panelist.member_id == Member.id)
        .where(Panelist.drive_id == drive_id)
        .order_by(Member.display_name)
    )
    return list(rows)


async def set_panel(session: AsyncSession, drive_id: int, member_ids: Iterable[int]) -> None:
    await session.execute(delete(Panelist).where(Panelist.drive_id == drive_id))
    session.add_all(Panelist(drive_id=drive_id, member_id=m) for m in dict.fromkeys(member_ids))
    await session.flush()


async def is_panelist(session: AsyncSession, drive_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(Panelist.id).where(Panelist.drive_id == drive_id, Panelist.member_id == member_id)
    )
    return found is not None


async def panel_drives(session: AsyncSession, member_id: int) -> list[Drive]:
    """Open drives this member reviews for."""
    rows = await session.scalars(
        select(Drive)
        .join(Panelist, Panelist.drive_id == Drive.id)
        .where(Panelist.member_id == member_id, Drive.status == "open")
        .order_by(Drive.review_until, Drive.id)
    )
    return list(rows)


# --- finding a colleague -------------------------------------------------------------------


async def members_named(session: AsyncSession, words: str) -> list[Member]:
    """Members whose name holds every word typed, on any platform (a few at most)."""
    query = select(Member).where(
        select(PlatformIdentity.id).where(PlatformIdentity.member_id == Member.id).exists()
    )
    for word in words.lower().split()[:5]:
        like = f"%{escape_like(word)}%"
        query = query.where(func.lower(Member.display_name).like(like, escape="\\"))
    rows = await session.scalars(query.order_by(Member.display_name, Member.id).limit(NAME_MATCHES))
    return list(rows)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def career_stage(session: AsyncSession, member_id: int) -> str | None:
    return await session.scalar(
        select(MentoringProfile.career_stage).where(MentoringProfile.member_id == member_id)
    )


async def institution_names(session: AsyncSession) -> dict[int, str]:
    rows = await session.execute(select(Institution.id, Institution.name))
    return dict(rows.all())


# --- nominating ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Nominated:
    """What became of a submission: a new nomination, a supporting statement on an
    existing one, or nothing new (this person had already nominated them there)."""

    outcome: str  # "new" | "support" | "repeat"
    nomination: Nomination


async def nominate(
    session: AsyncSession,
    found: Category,
    nominee: Member,
    nominator_id: int,
    statement: str,
    now: datetime,
) -> Nominated:
    """One nomination per nominee and category, however many arrive at once: the unique
    key decides, and a later one becomes a supporting statement on the first."""
    inserted = await insert_ignore(
        session,
        Nomination.__table__,  # type: ignore[arg-type]
        {
            "drive_id": found.drive_id,
            "category_id": found.id,
            "nominee_id": nominee.id,
            "nominator_id": nominator_id,
            "statement": statement,
            "status": "awaiting",
            "facts": "",
            "institution_id": nominee.institution_id,
            "shortlisted": False,
            "winner": False,
            "created_at": now,
            "updated_at": now,
        },
    )
    nomination = await session.scalar(
        select(Nomination)
        .where(Nomination.category_id == found.id, Nomination.nominee_id == nominee.id)
        .execution_options(populate_existing=True)
    )
    assert nomination is not None
    if inserted:
        return Nominated("new", nomination)
    if nomination.nominator_id == nominator_id:
        return Nominated("repeat", nomination)
    added = await insert_ignore(
        session,
        Support.__table__,  # type: ignore[arg-type]
        {
            "nomination_id": nomination.id,
            "supporter_id": nominator_id,
            "statement": statement,
            "created_at": now,
            "updated_at": now,
        },
    )
    await session.refresh(nomination, ["supports"])
    return Nominated("support" if added else "repeat", nomination)


async def nomination(session: AsyncSession, nomination_id: int | None) -> Nomination | None:
    if nomination_id is None:
        return None
    return await session.get(Nomination, nomination_id)


async def support(session: AsyncSession, support_id: int | None) -> Support | None:
    if support_id is None:
        return None
    return await session.get(Support, support_id)


@dataclass(frozen=True)
class Mine:
    """One of a member's own statements in a drive: the nomination or a support of it."""

    nomination: Nomination
    support: Support | None
    nominee: str
    category: str

    @property
    def statement(self) -> str:
        return self.support.statement if self.support else self.nomination.statement


async def my_statements(session: AsyncSession, drive_id: int, member_id: int) -> list[Mine]:
    rows = (
        await session.scalars(
            select(Nomination)
            .outerjoin(
                Support,
                (Support.nomination_id == Nomination.id) & (Support.supporter_id == member_id),
            )
            .where(
                Nomination.drive_id == drive_id,
                or_(Nomination.nominator_id == member_id, Support.id.is_not(None)),
            )
            .order_by(Nomination.id)
        )
    ).all()
    names = await names_of(session, (row.nominee_id for row in rows))
    categories = {c.id: c.name for c in await _categories(session, drive_id)}
    mine = []
    for row in rows:
        backing = next((s for s in row.supports if s.supporter_id == member_id), None)
        own = None if row.nominator_id == member_id else backing
        nominee = names.get(row.nominee_id, "a colleague")
        mine.append(Mine(row, own, nominee, categories[row.category_id]))
    return mine


async def nominated_anyone(session: AsyncSession, drive_id: int) -> set[int]:
    """Members who have nominated or supported someone in this drive."""
    nominators = select(Nomination.nominator_id).where(Nomination.drive_id == drive_id)
    supporters = (
        select(Support.supporter_id)
        .join(Nomination, Nomination.id == Support.nomination_id)
        .where(Nomination.drive_id == drive_id)
    )
    rows = await session.scalars(nominators.union(supporters))
    return {row for row in rows if row is not None}


async def accept(session: AsyncSession, found: Nomination, facts: str, now: datetime) -> bool:
    """Awaiting → accepted, once."""
    result = await session.execute(
        update(Nomination)
        .where(Nomination.id == found.id, Nomination.status == "awaiting")
        .values(status="accepted", facts=facts, accepted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(found)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def decline(session: AsyncSession, found: Nomination) -> list[int]:
    """Delete the nomination and every statement on it, keep one count on its category;
    the people who wrote statements, to be told kindly."""
    writers = [found.nominator_id, *(s.supporter_id for s in found.supports)]
    await session.execute(
        update(Category)
        .where(Category.id == found.category_id)
        .values(declined=Category.declined + 1)
        .execution_options(synchronize_session=False)
    )
    await session.delete(found)
    await session.flush()
    return [w for w in writers if w is not None]


async def certificates_due(
    session: AsyncSession, limit: int
) -> list[tuple[Nomination, Category, Drive]]:
    """Accepted nominations of closed drives still without their certificate."""
    rows = await session.execute(
        select(Nomination, Category, Drive)
        .join(Category, Category.id == Nomination.category_id)
        .join(Drive, Drive.id == Nomination.drive_id)
        .where(
            Drive.status == "closed",
            Nomination.status == "accepted",
            Nomination.certificate_url.is_(None),
        )
        .order_by(Nomination.id)
        .limit(limit)
        .with_for_update(of=Nomination, skip_locked=True)  # two workers: each takes its own
    )
    return [(n, c, d) for n, c, d in rows]


# --- review ----------------------------------------------------------------------------------


async def accepted_in(session: AsyncSession, drive_id: int) -> list[Nomination]:
    rows = await session.scalars(
        select(Nomination)
        .where(Nomination.drive_id == drive_id, Nomination.status == "accepted")
        .order_by(Nomination.category_id, Nomination.id)
    )
    return list(rows)


async def declared_conflicts(session: AsyncSession, drive_id: int, panelist_id: int) -> set[int]:
    rows = await session.scalars(
        select(Conflict.nomination_id)
        .join(Nomination, Nomination.id == Conflict.nomination_id)
        .where(Nomination.drive_id == drive_id, Conflict.panelist_id == panelist_id)
    )
    return set(rows)


async def declare_conflict(
    session: AsyncSession, nomination_id: int, panelist_id: int, now: datetime
) -> bool:
    """Declared once; any score already given for it is withdrawn."""
    await session.execute(
        delete(Score).where(Score.nomination_id == nomination_id, Score.panelist_id == panelist_id)
    )
    return await insert_ignore(
        session,
        Conflict.__table__,  # type: ignore[arg-type]
        {"nomination_id": nomination_id, "panelist_id": panelist_id, "declared_at": now},
    )


async def scores_by(session: AsyncSession, drive_id: int, panelist_id: int) -> dict[int, Score]:
    rows = await session.scalars(
        select(Score)
        .join(Nomination, Nomination.id == Score.nomination_id)
        .where(Nomination.drive_id == drive_id, Score.panelist_id == panelist_id)
    )
    return {row.nomination_id: row for row in rows}


async def save_score(
    session: AsyncSession,
    nomination_id: int,
    panelist_id: int,
    scores: dict[str, int],
    comment: str,
    now: datetime,
) -> bool:
    """Score or re-score; True when this was the first score from this panellist."""
    mean = sum(scores.values()) / len(scores)
    values = {"scores": scores, "mean": mean, "comment": comment, "scored_at": now}
    first = await insert_ignore(
        session,
        Score.__table__,  # type: ignore[arg-type]
        {"nomination_id": nomination_id, "panelist_id": panelist_id, **values},
    )
    if not first:
        await session.execute(
            update(Score)
            .where(Score.nomination_id == nomination_id, Score.panelist_id == panelist_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return first


@dataclass
class Ranked:
    """One nomination on the coordinator's shortlist view."""

    nomination: Nomination
    nominee: str
    institution: str
    means: list[Fraction] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    rank: int = 0
    tied: bool = False

    @property
    def mean(self) -> Fraction | None:
        return sum(self.means, Fraction(0)) / len(self.means) if self.means else None

    @property
    def spread(self) -> Fraction | None:
        return max(self.means) - min(self.means) if self.means else None


async def ranked(session: AsyncSession, found: Category) -> list[Ranked]:
    """Accepted nominations in a category by mean score, best first; equal means share a
    rank (ties shown as ties), unscored ones last."""
    places = await institution_names(session)
    rows = (
        await session.scalars(
            select(Nomination)
            .where(Nomination.category_id == found.id, Nomination.status == "accepted")
            .order_by(Nomination.id)
        )
    ).all()
    names = await names_of(session, (row.nominee_id for row in rows))
    entries = {
        row.id: Ranked(row, names.get(row.nominee_id, "?"), places.get(row.institution_id or 0, ""))
        for row in rows
    }
    scores = await session.scalars(
        select(Score).where(Score.nomination_id.in_(list(entries))).order_by(Score.id)
    )
    for score in scores:
        entry = entries[score.nomination_id]
        entry.means.append(Fraction(sum(score.scores.values()), len(score.scores)))
        if score.comment:
            entry.comments.append(score.comment)
    ordered = sorted(
        entries.values(), key=lambda e: (e.mean is None, -(e.mean or 0), e.nominee.lower())
    )
    previous: Fraction | None = None
    for position, entry in enumerate(ordered, start=1):
        if entry.mean is not None and entry.mean == previous:
            entry.rank = ordered[position - 2].rank
            entry.tied = ordered[position - 2].tied = True
        else:
            entry.rank = position
        previous = entry.mean
    return ordered


async def unscored_counts(session: AsyncSession, drive_id: int) -> dict[int, list[int]]:
    """For each panellist of a drive, the nominations they may score and have not."""
    accepted = await accepted_in(session, drive_id)
    result: dict[int, list[int]] = {}
    for member in await panel(session, drive_id):
        conflicts = await declared_conflicts(session, drive_id, member.id)
        done = await scores_by(session, drive_id, member.id)
        result[member.id] = [
            n.id for n in accepted if n.id not in done and not conflicted(member, n, conflicts)
        ]
    return result


def conflicted(member: Member, found: Nomination, declared: set[int]) -> str | None:
    """Why this panellist may not score this nomination, or None."""
    if found.id in declared:
        return "you declared a conflict of interest"
    if found.nominee_id == member.id:
        return "it is your own nomination"
    if found.nominator_id == member.id or any(s.supporter_id == member.id for s in found.supports):
        return "you wrote a statement for it"
    if member.institution_id is not None and found.institution_id == member.institution_id:
        return "the nominee is from your institution"
    return None


async def record_feedback(
    session: AsyncSession, nomination_id: int, coordinator_id: int, text: str, now: datetime
) -> None:
    session.add(
        Feedback(nomination_id=nomination_id, coordinator_id=coordinator_id, text=text, sent_at=now)
    )
    await session.flush()


async def feedback_for(session: AsyncSession, nomination_id: int) -> list[Feedback]:
    rows = await session.scalars(
        select(Feedback).where(Feedback.nomination_id == nomination_id).order_by(Feedback.id)
    )
    return list(rows)


async def has_feedback(session: AsyncSession, nomination_id: int) -> bool:
    found = await session.scalar(
        select(Feedback.id).where(Feedback.nomination_id == nomination_id).limit(1)
    )
    return found is not None


# --- names ------------------------------------------------------------------------------------


async def names_of(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Member.id, Member.display_name).where(Member.id.in_(wanted))
    )
    return dict(rows.all())


async def _categories(session: AsyncSession, drive_id: int) -> list[Category]:
    rows = await session.scalars(
        select(Category).where(Category.drive_id == drive_id).order_by(Category.position)
    )
    return list(rows)


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """One nomination as the report counts it (no names, no statements)."""

    year: int
    category: str
    institution: str
    accepted: bool
    shortlisted: bool
    winner: bool
    supports: int


async def report_rows(
    session: AsyncSession, coordinator_id: int | None
) -> tuple[list[Counted], dict[tuple[int, str], int]]:
    """Every nomination of the drives a coordinator runs (all drives for `None`), and the
    declines kept as counts, by (year, category)."""
    supports = (
        select(Support.nomination_id, func.count().label("n"))
        .group_by(Support.nomination_id)
        .subquery()
    )
    query = (
        select(
            Drive.year,
            Category.name,
            Institution.name,
            Nomination.status,
            Nomination.shortlisted,
            Nomination.winner,
            func.coalesce(supports.c.n, 0),
        )
        .join(Category, Category.id == Nomination.category_id)
        .join(Drive, Drive.id == Nomination.drive_id)
        .outerjoin(Institution, Institution.id == Nomination.institution_id)
        .outerjoin(supports, supports.c.nomination_id == Nomination.id)
        .where(Drive.status != "draft")
    )
    declines = (
        select(Drive.year, Category.name, func.sum(Category.declined))
        .join(Drive, Drive.id == Category.drive_id)
        .where(Drive.status != "draft")
        .group_by(Drive.year, Category.name)
    )
    if coordinator_id is not None:
        query = query.where(Drive.coordinator_id == coordinator_id)
        declines = declines.where(Drive.coordinator_id == coordinator_id)
    rows = [
        Counted(year, category, place or "Not recorded", status == "accepted", listed, won, n)
        for year, category, place, status, listed, won, n in await session.execute(query)
    ]
    declined = {
        (year, name): int(total or 0) for year, name, total in await session.execute(declines)
    }
    return rows, declined
