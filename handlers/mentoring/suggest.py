"""Ranking mentors for one mentee without reading every mentor in the network.

SQL pre-ranks open mentors by the points of the tags they share with the
mentee; the exact score (matching.score) only adds at most EXTRAS_MAX to those
points. So once enough mentors have an exact score at or above the next page's
tag points + EXTRAS_MAX, nobody unread can beat them, and reading stops.
Mentors sharing no tag at all are read only when too few others qualify.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.mentoring.matching import EXTRAS_MAX, Score, Seeker, score, seeker_tags
from store.mentoring import queries as store
from store.mentoring.models import MentoringProfile
from store.mentoring.queries import MentorRow
from store.models import Member

PAGE = 5
BATCH = 100
FALLBACK_LIMIT = 300


@dataclass(frozen=True)
class Suggestion:
    mentor: MentorRow
    score: Score


@dataclass(frozen=True)
class Found:
    suggestions: list[Suggestion]
    more: bool


def seeker_for(member: Member, profile: MentoringProfile) -> Seeker:
    return Seeker(
        member_id=member.id,
        institution_id=member.institution_id,
        specialisms=profile.specialisms or member.specialisms or [],
        equipment=profile.equipment or [],
        registration_sought=profile.registration_sought or [],
        format=profile.format or "either",
        prefer_other_institution=profile.prefer_other_institution,
    )


async def suggest(
    session: AsyncSession,
    scheme_id: int,
    seeker: Seeker,
    *,
    today: date,
    words: list[str] = (),  # type: ignore[assignment]
    offset: int = 0,
    count: int = PAGE,
    include_previous: bool = False,
) -> Found:
    need = offset + count + 1  # one more than shown, to know whether there is more
    excluded = await store.excluded_mentors(
        session, scheme_id, seeker.member_id, include_previous=include_previous
    )
    scored: dict[int, Suggestion] = {}
    tags, read = seeker_tags(seeker), 0
    while True:
        ranked = await store.ranked_by_tags(
            session, tags=tags, today=today, words=list(words), limit=BATCH, offset=read
        )
        read += len(ranked)
        fresh = [m for m, _ in ranked if m not in excluded]
        await _score(session, seeker, fresh, scored, scheme_id)
        exhausted = len(ranked) < BATCH
        bound = EXTRAS_MAX + (0 if exhausted else ranked[-1][1])
        if exhausted or _at_least(scored, bound) >= need:
            break
    if exhausted and _at_least(scored, EXTRAS_MAX + 1) < need:
        rest = await store.open_mentors(
            session,
            scheme_id=scheme_id,
            today=today,
            words=list(words),
            institution_id=seeker.institution_id,
            limit=FALLBACK_LIMIT,
        )
        fresh = [m for m in rest if m not in excluded and m not in scored]
        await _score(session, seeker, fresh, scored, scheme_id)
    ordered = sorted(
        scored.values(), key=lambda s: (-s.score.points, s.mentor.name, s.mentor.member_id)
    )
    return Found(ordered[offset : offset + count], more=len(ordered) > offset + count)


async def _score(
    session: AsyncSession,
    seeker: Seeker,
    member_ids: list[int],
    into: dict[int, Suggestion],
    scheme_id: int,
) -> None:
    for row in await store.mentor_rows(session, member_ids, scheme_id):
        into[row.member_id] = Suggestion(row, score(seeker, row))


def _at_least(scored: dict[int, Suggestion], points: int) -> int:
    return sum(1 for s in scored.values() if s.score.points >= points)
