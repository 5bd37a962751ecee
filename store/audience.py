"""Who an announcement reaches: the whole network, chosen institutions and/or
specialisms (both chosen: a member must match both), and chosen channels. Events use
it today; any feature that announces something (nominations, pulse surveys) reuses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    exists,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from store.mentoring.models import MentoringProfile
from store.models import Channel, Institution, Member, PlatformIdentity


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
