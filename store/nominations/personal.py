"""What nominations hold about one member: exported for them, scrubbed when they are erased.

A nominee sees the nominations they received (drive, category, status, their own
facts), never who else wrote in or what the panel said; a nominator sees what they
wrote; a panel member sees their own scores and comments.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Member
from store.nominations.models import (
    Category,
    Drive,
    Nomination,
    Panelist,
    Score,
    Support,
)

TABLES = (
    "nomination_drives",
    "nomination_panelists",
    "nominations",
    "nomination_supports",
    "nomination_scores",
    "nomination_conflicts",
    "nomination_feedback",
)


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    drives = {d.id: d.title for d in await session.scalars(select(Drive))}
    categories = {c.id: c.name for c in await session.scalars(select(Category))}
    made = list(
        await session.scalars(
            select(Nomination).where(Nomination.nominator_id == member_id).order_by(Nomination.id)
        )
    )
    nominees = [n.nominee_id for n in made]
    names = {
        i: name
        for i, name in await session.execute(
            select(Member.id, Member.display_name).where(Member.id.in_(nominees))
        )
    }
    received = await session.scalars(
        select(Nomination).where(Nomination.nominee_id == member_id).order_by(Nomination.id)
    )
    supports = await session.scalars(
        select(Support).where(Support.supporter_id == member_id).order_by(Support.id)
    )
    scores = await session.scalars(
        select(Score).where(Score.panelist_id == member_id).order_by(Score.id)
    )
    panels = await session.scalars(select(Panelist.drive_id).where(Panelist.member_id == member_id))
    return {
        "nominations_made": [
            {
                "drive": drives.get(n.drive_id),
                "category": categories.get(n.category_id),
                "nominee": names.get(n.nominee_id),
                "statement": n.statement,
                "status": n.status,
                "created_at": n.created_at.isoformat(),
            }
            for n in made
        ],
        "nominations_received": [
            {
                "drive": drives.get(n.drive_id),
                "category": categories.get(n.category_id),
                "status": n.status,
                "your_facts": n.facts,
                "shortlisted": n.shortlisted,
                "winner": n.winner,
                "created_at": n.created_at.isoformat(),
            }
            for n in received
        ],
        "supporting_statements": [
            {"statement": s.statement, "created_at": s.created_at.isoformat()} for s in supports
        ],
        "review_panels": [drives.get(i) for i in panels],
        "scores_given": [
            {"scores": s.scores, "comment": s.comment, "scored_at": s.scored_at.isoformat()}
            for s in scores
        ],
    }


async def scrub(session: AsyncSession, member_id: int) -> None:
    """Nominations of them go; what they wrote for others stays, no longer theirs; a
    panel member's scores stay for the means, without their comments."""
    await session.execute(delete(Nomination).where(Nomination.nominee_id == member_id))
    await session.execute(delete(Support).where(Support.supporter_id == member_id))
    await session.execute(delete(Panelist).where(Panelist.member_id == member_id))
    await session.execute(
        update(Nomination)
        .where(Nomination.nominator_id == member_id)
        .values(nominator_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Score)
        .where(Score.panelist_id == member_id)
        .values(comment="")
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Drive)
        .where(Drive.coordinator_id == member_id)
        .values(coordinator_id=None)
        .execution_options(synchronize_session=False)
    )
