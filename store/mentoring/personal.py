"""What mentoring holds about one member: exported for them, scrubbed when they are erased.

The export has their own side only: their profile, requests, relationships and the
agreement and objectives they share with a partner, meetings, and their own private
notes (never the partner's). Evaluations show only which were returned: the answers
are anonymous and carry no link to anyone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.mentoring.models import (
    DontPair,
    EvaluationReturn,
    Meeting,
    MentoringProfile,
    MentorRequest,
    Objective,
    PrivateNote,
    Relationship,
    Scheme,
    SchemeMember,
)
from store.models import Member

TABLES = (
    "mentoring_profiles",
    "mentor_tags",
    "mentoring_dont_pair",
    "mentoring_schemes",
    "mentoring_scheme_members",
    "mentor_requests",
    "mentoring_relationships",
    "mentoring_meetings",
    "mentoring_private_notes",
    "mentoring_evaluation_returns",
    "mentoring_match_drafts",
)
PROFILE_FIELDS = (
    "role",
    "specialisms",
    "equipment",
    "career_stage",
    "registration_held",
    "registration_sought",
    "offer",
    "looking_for",
    "format",
    "capacity",
    "prefer_other_institution",
)


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    schemes = {s.id: s.name for s in await session.scalars(select(Scheme))}
    profile = await session.get(MentoringProfile, member_id)
    requests = list(
        await session.scalars(
            select(MentorRequest)
            .where(or_(MentorRequest.mentee_id == member_id, MentorRequest.mentor_id == member_id))
            .order_by(MentorRequest.id)
        )
    )
    relationships = list(
        await session.scalars(
            select(Relationship)
            .where(or_(Relationship.mentee_id == member_id, Relationship.mentor_id == member_id))
            .order_by(Relationship.id)
        )
    )
    joined = await session.scalars(
        select(SchemeMember.scheme_id).where(SchemeMember.member_id == member_id)
    )
    dont_pair = list(
        await session.scalars(select(DontPair.other_id).where(DontPair.member_id == member_id))
    )
    returned = await session.execute(
        select(
            EvaluationReturn.relationship_id, EvaluationReturn.stage, EvaluationReturn.returned_on
        )
        .where(EvaluationReturn.member_id == member_id)
        .order_by(EvaluationReturn.id)
    )
    others = {r.mentor_id for r in requests} | {r.mentee_id for r in requests} | set(dont_pair)
    others |= {r.mentor_id for r in relationships} | {r.mentee_id for r in relationships}
    names = await _names(session, others)
    shared = await _shared(session, [r.id for r in relationships], member_id)
    return {
        "profile": (
            {name: getattr(profile, name) for name in PROFILE_FIELDS}
            | {"paused_until": _iso(profile.paused_until)}
            if profile
            else None
        ),
        "schemes": [schemes.get(i) for i in joined],
        "please_dont_pair_me_with": [names.get(i) for i in dont_pair],
        "requests": [
            {
                "scheme": schemes.get(r.scheme_id),
                "you_were": "mentee" if r.mentee_id == member_id else "mentor",
                "other": names.get(r.mentor_id if r.mentee_id == member_id else r.mentee_id),
                "status": r.status,
                "message": r.message,
                # A decline reason is the mentor's own words to the coordinator.
                **({"decline_reason": r.decline_reason} if r.mentor_id == member_id else {}),
                "created_at": r.created_at.isoformat(),
                "answered_at": _iso(r.answered_at),
            }
            for r in requests
        ],
        "relationships": [
            _relationship(r, member_id, names, schemes, shared) for r in relationships
        ],
        "evaluations_returned": [
            {"relationship": rel, "stage": stage, "returned_on": day.isoformat()}
            for rel, stage, day in returned
        ],
    }


@dataclass
class _Shared:
    """Objectives and meetings of the member's relationships, and their own notes."""

    objectives: dict[int, list[Objective]] = field(default_factory=lambda: defaultdict(list))
    meetings: dict[int, list[Meeting]] = field(default_factory=lambda: defaultdict(list))
    notes: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


async def _shared(session: AsyncSession, relationship_ids: list[int], member_id: int) -> _Shared:
    """Three queries, however many relationships."""
    found = _Shared()
    for objective in await session.scalars(
        select(Objective)
        .where(Objective.relationship_id.in_(relationship_ids))
        .order_by(Objective.position)
    ):
        found.objectives[objective.relationship_id].append(objective)
    for meeting in await session.scalars(
        select(Meeting)
        .where(Meeting.relationship_id.in_(relationship_ids))
        .order_by(Meeting.held_on, Meeting.id)
    ):
        found.meetings[meeting.relationship_id].append(meeting)
    notes = await session.execute(
        select(PrivateNote.meeting_id, PrivateNote.text)
        .join(Meeting, Meeting.id == PrivateNote.meeting_id)
        .where(PrivateNote.author_id == member_id, Meeting.relationship_id.in_(relationship_ids))
        .order_by(PrivateNote.id)
    )
    for meeting_id, body in notes:
        found.notes[meeting_id].append(body)
    return found


def _relationship(
    r: Relationship,
    member_id: int,
    names: dict[int, str],
    schemes: dict[int, str],
    shared: _Shared,
) -> dict[str, Any]:
    return {
        "id": r.id,
        "scheme": schemes.get(r.scheme_id),
        "you_were": "mentor" if r.mentor_id == member_id else "mentee",
        "partner": names.get(r.mentee_id if r.mentor_id == member_id else r.mentor_id),
        "status": r.status,
        "started_at": r.started_at.isoformat(),
        "agreement": {
            "agreed_at": _iso(r.agreed_at),
            "cadence": r.agreed_cadence,
            "format": r.agreed_format,
            "confidentiality": r.confidentiality,
            "expected_months": r.expected_months,
        },
        "objectives": [{"text": o.text, "state": o.state} for o in shared.objectives[r.id]],
        "meetings": [
            {
                "held_on": m.held_on.isoformat(),
                "happened": m.happened,
                "your_private_notes": shared.notes.get(m.id, []),
            }
            for m in shared.meetings[r.id]
        ],
        "closed_at": _iso(r.closed_at),
        "exit_reason": r.exit_reason,
        **({"exit_comment": r.exit_comment} if r.closed_by == member_id else {}),
    }


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = await session.execute(
        select(Member.id, Member.display_name).where(Member.id.in_(list(ids)))
    )
    return {i: name for i, name in found}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


async def active_relationships(session: AsyncSession, member_id: int) -> list[Relationship]:
    return list(
        await session.scalars(
            select(Relationship).where(
                Relationship.status == "active",
                or_(Relationship.mentee_id == member_id, Relationship.mentor_id == member_id),
            )
        )
    )


async def scrub(session: AsyncSession, member_id: int) -> None:
    """Erase what is theirs alone; keep what the pair and the scheme's counts need
    (a relationship existed, a meeting happened, an evaluation was returned) pointing at
    the tombstone. Relationships must already be closed (handlers/mentoring/personal.py)."""
    await session.execute(delete(MentoringProfile).where(MentoringProfile.member_id == member_id))
    await session.execute(
        delete(DontPair).where(or_(DontPair.member_id == member_id, DontPair.other_id == member_id))
    )
    await session.execute(delete(SchemeMember).where(SchemeMember.member_id == member_id))
    await session.execute(
        delete(MentorRequest).where(
            MentorRequest.status == "pending",
            or_(MentorRequest.mentee_id == member_id, MentorRequest.mentor_id == member_id),
        )
    )
    await session.execute(
        update(MentorRequest)
        .where(or_(MentorRequest.mentee_id == member_id, MentorRequest.mentor_id == member_id))
        .values(message="", decline_reason=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(PrivateNote).where(PrivateNote.author_id == member_id))
    await session.execute(
        update(Relationship)
        .where(Relationship.closed_by == member_id)
        .values(exit_comment=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Scheme)
        .where(Scheme.coordinator_id == member_id)
        .values(coordinator_id=None)
        .execution_options(synchronize_session=False)
    )
