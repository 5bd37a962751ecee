"""Who an announcement reaches: the whole network, chosen institutions, specialisms
and/or network roles (several chosen: a member must match each), and chosen channels. Events use
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
from store.models import Channel, Institution, Member, PlatformIdentity, RoleGrant


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


# A member's network role, as an audience choice and a survey breakdown: their highest
# granted role, or "technician" for everyone with none.
ROLE_ORDER = ("admin", "coordinator", "champion")
TECHNICIAN = "technician"
NETWORK_ROLES = (*ROLE_ORDER, TECHNICIAN)


def includes(
    chosen: dict[str, Any],
    institution_id: int | None,
    specialisms: list[str],
    role: str | None = None,
) -> bool:
    """The audience rule for one member: everyone, or the chosen institutions, interests
    and/or roles (several chosen: a member must match each). Channels are not members.
    `role` is the member's network role (`network_roles`), needed only when roles are chosen."""
    if chosen.get("network"):
        return True
    institutions = chosen.get("institutions") or []
    interests = [i for i in chosen.get("interests") or [] if normal(i)]
    roles = chosen.get("roles") or []
    if not institutions and not interests and not roles:
        return False
    if institutions and institution_id not in institutions:
        return False
    if roles and role not in roles:
        return False
    return not interests or interest_matches(interests, specialisms)


async def network_roles(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, str]:
    """Each member's network role: their highest granted role, or technician."""
    ids = list(member_ids)
    found: dict[int, str] = dict.fromkeys(ids, TECHNICIAN)
    rank = {role: n for n, role in enumerate(ROLE_ORDER)}
    for start in range(0, len(ids), 5000):
        rows = await session.execute(
            select(RoleGrant.member_id, RoleGrant.role).where(
                RoleGrant.member_id.in_(ids[start : start + 5000]),
                RoleGrant.role.in_(ROLE_ORDER),
            )
        )
        for member_id, role in rows:
            current = found[member_id]
            if current == TECHNICIAN or rank[role] < rank[current]:
                found[member_id] = role
    return found


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
    rows = list(await session.execute(query))
    roles = await network_roles(session, [row.id for row in rows]) if chosen.get("roles") else {}
    return [
        Recipient(row.id, row.timezone)
        for row in rows
        if includes(
            chosen,
            row.institution_id,
            [*(row.specialisms or []), *(row.mentoring or [])],
            roles.get(row.id),
        )
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
