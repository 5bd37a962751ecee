"""What adapters remember about platform identities and channels.

Where proactive messages go: adapters store plain dicts (a Teams conversation
reference, a Slack DM channel) on identities and channels; the outbox reads them
back from the same rows, so a restart or another worker process can still reach
everyone. And when an identity's profile was last fetched from the platform
(Slack `users.info`, the Teams roster), so adapters ask the platform only on
first sight or when the copy is stale. Platform-neutral: no adapter types here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.db import reading
from store.members import IdentityKey as Identity
from store.members import ProfileFacts as Profile
from store.members import (
    follow_platform_name,
    identity_for,
    member_for_verified_email,
    upsert_member,
)
from store.merge import merge_members
from store.models import Channel, PlatformIdentity
from store.upsert import insert_ignore

Sessions = async_sessionmaker[AsyncSession]


async def remember_identity(
    sessions: Sessions,
    who: Identity,
    profile: Profile,
    now: datetime,
    conversation: dict[str, Any] | None = None,
    *,
    replace: bool = True,
) -> datetime | None:
    """Create the member if new, store where to reach them, and mark them reachable again.

    With `replace=False` an existing conversation is kept (a channel sighting
    must not overwrite a personal chat). Returns when the profile was last
    synced from the platform (None: never), so the adapter can decide to sync.
    """
    async with sessions() as session, session.begin():
        await upsert_member(session, who, profile, now)
        identity = await _identity(session, who)
        if conversation is not None and (replace or not identity.conversation):
            identity.conversation = conversation
        identity.unreachable_at, identity.unreachable_reason = None, None
        return identity.profile_synced_at


async def record_profile(
    sessions: Sessions,
    who: Identity,
    email: str | None,
    verified: bool,
    now: datetime,
    name: str | None = None,
) -> None:
    """What the platform's directory said about a person (best effort, now and then)."""
    async with sessions() as session, session.begin():
        identity = await identity_for(session, who)
        if identity is None:
            return
        identity.profile_synced_at = now
        follow_platform_name(identity, name)
        if not email:
            return
        identity.email = email
        member = identity.member
        if not member.email:
            member.email, member.email_verified = email, verified


async def sync_state(sessions: Sessions, who: Identity) -> tuple[bool, datetime | None]:
    """Whether this identity is known, and when its profile was last fetched."""
    async with reading(sessions) as session:
        found = (
            await session.execute(
                select(PlatformIdentity.id, PlatformIdentity.profile_synced_at).where(
                    *_matches(who)
                )
            )
        ).first()
        return (found is not None, found[1] if found else None)


async def record_profiles(
    sessions: Sessions, fetched: list[tuple[Identity, Profile, dict[str, Any]]], now: datetime
) -> None:
    """Profiles fetched from the platform after the turns that first met these people,
    in one write: name, time zone and e-mail, and where a direct message reaches them.
    A platform-verified e-mail that an older member already has joins the two members,
    as it would have on first sight (unless both hold something only one person can)."""
    async with sessions() as session, session.begin():
        for who, profile, conversation in fetched:
            identity = await identity_for(session, who)
            if identity is None:
                continue
            identity.profile_synced_at = now
            identity.conversation = conversation
            follow_platform_name(identity, profile.display_name)
            member = identity.member
            if profile.timezone and not member.timezone:
                member.timezone = profile.timezone
            if profile.email:
                identity.email = profile.email
                await _join_by_verified_email(session, identity, profile)


async def _join_by_verified_email(
    session: AsyncSession, identity: PlatformIdentity, profile: Profile
) -> None:
    member = identity.member
    if member.email:
        return
    older = await member_for_verified_email(session, profile)
    if older is not None and older.id < member.id:
        async with session.begin_nested():
            outcome = await merge_members(session, older.id, member.id)
            if not outcome.conflicts:
                return
    member.email, member.email_verified = profile.email, profile.email_verified


async def profile_synced_at(sessions: Sessions, who: Identity) -> datetime | None:
    """When this identity's profile was last fetched; None if never (or unknown identity)."""
    return (await sync_state(sessions, who))[1]


async def conversation_of(sessions: Sessions, who: Identity) -> dict[str, Any] | None:
    async with reading(sessions) as session:
        return await session.scalar(select(PlatformIdentity.conversation).where(*_matches(who)))


async def mark_unreachable(sessions: Sessions, who: Identity, reason: str, now: datetime) -> None:
    """The platform refused for good (bot blocked, app removed): stop choosing this identity."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(PlatformIdentity)
            .where(*_matches(who))
            .values(unreachable_at=now, unreachable_reason=reason[:200])
        )


async def remember_channel(
    sessions: Sessions,
    platform: str,
    workspace: str,
    channel_id: str,
    name: str,
    conversation: dict[str, Any],
    now: datetime,
) -> None:
    """A channel or group chat the bot is in, with where to post in it."""
    async with sessions() as session, session.begin():
        values = {"platform": platform, "workspace": workspace, "channel_id": channel_id}
        inserted = await insert_ignore(
            session,
            Channel.__table__,  # type: ignore[arg-type]
            {
                **values,
                "name": name,
                "conversation": conversation,
                "active": True,
                "created_at": now,
            },
        )
        if not inserted:
            changes: dict[str, Any] = {"conversation": conversation, "active": True}
            if name:
                changes["name"] = name
            await session.execute(
                update(Channel)
                .where(*(getattr(Channel, key) == value for key, value in values.items()))
                .values(**changes)
            )


async def deactivate_channel(
    sessions: Sessions, platform: str, workspace: str, channel_id: str
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(Channel)
            .where(
                Channel.platform == platform,
                Channel.workspace == workspace,
                Channel.channel_id == channel_id,
            )
            .values(active=False)
        )


async def _identity(session: AsyncSession, who: Identity) -> PlatformIdentity:
    found = await identity_for(session, who)
    assert found is not None, "upsert_member creates the identity first"
    return found


def _matches(who: Identity) -> tuple[Any, ...]:
    return (
        PlatformIdentity.platform == who.platform,
        PlatformIdentity.workspace == who.workspace,
        PlatformIdentity.user_id == who.user_id,
    )
