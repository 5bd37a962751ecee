"""Members, their platform identities, roles and link codes."""

from __future__ import annotations

import difflib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from store.models import (
    Department,
    Institution,
    LinkCode,
    Member,
    PlatformIdentity,
    RoleGrant,
)

# How adapters pass a mention of another user on the same platform: <@USERID>.
MENTION = re.compile(r"<@([A-Za-z0-9_.:-]+)>")
LINK_CODE_LIFETIME = timedelta(minutes=15)


class IdentityKey(Protocol):
    """platform + workspace/tenant + user id: one person on one platform (the core's
    `bot.inbound.Identity` is one; store asks only for these three attributes)."""

    @property
    def platform(self) -> str: ...
    @property
    def workspace(self) -> str: ...
    @property
    def user_id(self) -> str: ...


class ProfileFacts(Protocol):
    """What a platform told us about a person, all optional (`bot.inbound.Profile`)."""

    @property
    def display_name(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def email_verified(self) -> bool: ...
    @property
    def timezone(self) -> str | None: ...


@dataclass(frozen=True)
class _Key:
    platform: str
    workspace: str
    user_id: str


# A member the platform has not named yet (Teams' install activity carries no name):
# replaced by the first name a later message or the roster gives. Never an id.
UNNAMED = "A new member"

LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud easily


# Every turn runs it: built once (building it, with its options, cost more than running it).
_IDENTITY_WITH_MEMBER = (
    select(PlatformIdentity)
    .where(
        PlatformIdentity.platform == bindparam("platform"),
        PlatformIdentity.workspace == bindparam("workspace"),
        PlatformIdentity.user_id == bindparam("user_id"),
    )
    .options(joinedload(PlatformIdentity.member).joinedload(Member.role_grants))
)


async def identity_for(session: AsyncSession, who: IdentityKey) -> PlatformIdentity | None:
    """The identity with its member and the member's roles, in one round trip."""
    result = await session.scalars(
        _IDENTITY_WITH_MEMBER,
        {"platform": who.platform, "workspace": who.workspace, "user_id": who.user_id},
    )
    return result.unique().one_or_none()


async def upsert_member(
    session: AsyncSession, who: IdentityKey, profile: ProfileFacts, now: datetime
) -> PlatformIdentity:
    """This identity, with `.member` loaded, both created on first sight.

    Safe when two requests from a new person race: the identity's unique key
    decides, and the loser reads the winner's row.
    """
    found = await identity_for(session, who)
    if found is not None:
        _refresh_from_profile(found, profile)
        return found
    try:
        async with session.begin_nested():
            member = await member_for_verified_email(session, profile)
            brand_new = member is None
            if member is None:
                member = Member(
                    display_name=profile.display_name or UNNAMED,
                    email=profile.email,
                    email_verified=profile.email_verified,
                    timezone=profile.timezone,
                    specialisms=[],
                    created_at=now,
                    updated_at=now,
                )
                session.add(member)
            identity = PlatformIdentity(
                member=member,
                platform=who.platform,
                workspace=who.workspace,
                user_id=who.user_id,
                display_name=profile.display_name,
                email=profile.email,
                last_seen_at=now,
                created_at=now,
            )
            session.add(identity)
            await session.flush()  # both rows in one flush
            if brand_new:  # a new member has no roles: nothing to read back
                set_committed_value(member, "role_grants", [])
            else:
                await session.refresh(member, ["role_grants"])
            return identity
    except IntegrityError:
        found = await identity_for(session, who)
        if found is None:
            raise
        return found


async def member_for_verified_email(session: AsyncSession, profile: ProfileFacts) -> Member | None:
    """Identities whose platform-verified e-mail matches join one member."""
    if not (profile.email and profile.email_verified):
        return None
    return await session.scalar(
        select(Member)
        .where(func.lower(Member.email) == profile.email.lower(), Member.email_verified)
        .order_by(Member.id)
        .limit(1)
    )


def _refresh_from_profile(identity: PlatformIdentity, profile: ProfileFacts) -> None:
    follow_platform_name(identity, profile.display_name)
    member = identity.member
    if profile.timezone and not member.timezone:
        member.timezone = profile.timezone
    if profile.email and profile.email_verified and not member.email:
        member.email, member.email_verified = profile.email, True


def follow_platform_name(identity: PlatformIdentity, name: str | None) -> None:
    """A member's name follows what the platform calls them (a rename, or the first name
    after an install that had none), unless they set their own with `profile edit`."""
    name = (name or "").strip()
    if not name or identity.display_name == name:
        return
    member = identity.member
    platform_set = member.display_name in (UNNAMED, identity.user_id, identity.display_name, "")
    identity.display_name = name
    if platform_set:
        member.display_name = name[:200]


async def member_by_reference(
    session: AsyncSession, reference: str, asker: IdentityKey | None = None
) -> Member | None:
    """A member named in a command: an @mention on the asker's platform, or a handle."""
    mentioned = MENTION.fullmatch(reference.strip())
    if mentioned and asker is not None:
        found = await identity_for(
            session, _Key(asker.platform, asker.workspace, mentioned.group(1))
        )
        return found.member if found else None
    return await member_by_handle(session, reference)


async def member_by_handle(session: AsyncSession, handle: str) -> Member | None:
    """A member named on the command line: console handle, e-mail or full name."""
    handle = handle.strip().lstrip("@")
    by_identity = await session.scalar(
        select(Member)
        .join(PlatformIdentity)
        .where(PlatformIdentity.platform == "console", PlatformIdentity.user_id == handle)
    )
    if by_identity is not None:
        return by_identity
    matches = (
        await session.scalars(
            select(Member)
            .where(
                (func.lower(Member.email) == handle.lower())
                | (func.lower(Member.display_name) == handle.lower())
            )
            .limit(2)
        )
    ).all()
    return matches[0] if len(matches) == 1 else None


async def hold_member(session: AsyncSession, member_id: int) -> None:
    """Lock this member's row until the transaction ends, so a check that counts what they
    have done and the act it allows happen as one: a second turn for the same member waits
    here, then counts afresh. PostgreSQL: `FOR NO KEY UPDATE` (rows that merely refer to the
    member still go in); SQLite's single writer already runs such turns one at a time."""
    await session.execute(
        select(Member.id).where(Member.id == member_id).with_for_update(key_share=True)
    )


# --- roles -----------------------------------------------------------------


async def roles_of(session: AsyncSession, member_id: int) -> set[str]:
    rows = await session.scalars(select(RoleGrant.role).where(RoleGrant.member_id == member_id))
    return {"member", *rows}


async def grant_role(
    session: AsyncSession,
    member_id: int,
    role: str,
    now: datetime,
    by: int | None = None,
    institution_id: int | None = None,
) -> bool:
    """Grant a role; False when the member already had it (for that institution, if scoped).

    A scoped role (a lead) holds for one institution: granting it for another moves it.
    """
    held = await session.scalar(
        select(RoleGrant).where(RoleGrant.member_id == member_id, RoleGrant.role == role)
    )
    if held is not None:
        if held.institution_id == institution_id:
            return False
        held.institution_id, held.granted_by, held.granted_at = institution_id, by, now
    else:
        session.add(
            RoleGrant(
                member_id=member_id,
                role=role,
                institution_id=institution_id,
                granted_by=by,
                granted_at=now,
            )
        )
    await session.flush()
    return True


async def revoke_role(session: AsyncSession, member_id: int, role: str) -> bool:
    result = await session.execute(
        delete(RoleGrant).where(RoleGrant.member_id == member_id, RoleGrant.role == role)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def members_with_role(session: AsyncSession, role: str) -> list[Member]:
    rows = await session.scalars(
        select(Member)
        .join(RoleGrant, RoleGrant.member_id == Member.id)
        .where(RoleGrant.role == role)
        .order_by(Member.display_name)
    )
    return list(rows)


async def holder_ids(session: AsyncSession, role: str) -> list[int]:
    """The ids of everyone who holds a role, in order."""
    rows = await session.scalars(select(RoleGrant.member_id).where(RoleGrant.role == role))
    return sorted(set(rows))


async def holders(session: AsyncSession, role: str) -> list[tuple[Member, Institution | None]]:
    """Who holds a role, with the institution a scoped grant names (None for the others)."""
    rows = await session.execute(
        select(Member, Institution)
        .join(RoleGrant, RoleGrant.member_id == Member.id)
        .outerjoin(Institution, Institution.id == RoleGrant.institution_id)
        .where(RoleGrant.role == role)
        .order_by(Member.display_name)
    )
    return [(member, institution) for member, institution in rows.all()]


def scope_of(member: Member, role: str) -> int | None:
    """The institution a member's scoped role holds for (their grants are loaded with them)."""
    for grant in member.role_grants:
        if grant.role == role:
            return grant.institution_id
    return None


# --- institutions ------------------------------------------------------------


async def institutions(session: AsyncSession) -> list[Institution]:
    rows = await session.scalars(
        select(Institution)
        .options(selectinload(Institution.departments))
        .order_by(Institution.name)
    )
    return list(rows)


@dataclass(frozen=True)
class InstitutionMatch:
    """The institution a typed name means, or the nearest names when it means none."""

    found: Institution | None
    nearest: list[str]


async def institution_named(session: AsyncSession, typed: str) -> InstitutionMatch:
    """`keele`, `Keele University` or `northmoor`: the short name, the full name, or a word
    of it that only one institution has; otherwise the closest names by spelling."""
    wanted = " ".join(typed.lower().split())
    everyone = list(await session.scalars(select(Institution).order_by(Institution.name)))
    exact = [i for i in everyone if wanted in (i.short_name.lower(), i.name.lower())]
    partial = [i for i in everyone if wanted and wanted in i.name.lower()]
    for found in (exact, partial):
        if len(found) == 1:
            return InstitutionMatch(found[0], [])
    names = {i.name.lower(): i.name for i in everyone}
    names.update({i.short_name.lower(): i.name for i in everyone})
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.5)
    nearest = [i.name for i in partial] or list(dict.fromkeys(names[name] for name in close))
    return InstitutionMatch(None, nearest)


async def department_in(session: AsyncSession, institution_id: int, name: str) -> Department | None:
    return await session.scalar(
        select(Department).where(
            Department.institution_id == institution_id,
            func.lower(Department.name) == name.strip().lower(),
        )
    )


# --- linking identities across platforms --------------------------------------


async def new_link_code(session: AsyncSession, member_id: int, now: datetime) -> str:
    code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(8))
    session.add(LinkCode(code=code, member_id=member_id, expires_at=now + LINK_CODE_LIFETIME))
    await session.flush()
    return code


async def add_department(session: AsyncSession, institution_id: int, name: str) -> Department:
    department = Department(institution_id=institution_id, name=" ".join(name.split()))
    session.add(department)
    await session.flush()
    return department
