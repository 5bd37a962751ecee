"""Storage behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.inbound import Identity, Profile
from bot.runtime import Runtime
from store import conversations
from store.members import upsert_member
from store.models import Institution, Member, PlatformIdentity

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def test_aware_datetimes_round_trip_as_utc(runtime: Runtime) -> None:
    summer = datetime(2026, 7, 1, 18, 30, tzinfo=timezone(timedelta(hours=1)))
    async with runtime.sessions() as session, session.begin():
        session.add(Member(display_name="Sam", specialisms=[], created_at=summer, updated_at=NOW))
    async with runtime.sessions() as session:
        stored = await session.scalar(select(Member.created_at))
    assert stored == summer
    assert stored is not None and stored.utcoffset() == timedelta(0)
    assert stored.hour == 17


async def test_naive_datetimes_are_refused(runtime: Runtime) -> None:
    with pytest.raises(Exception, match="naive"):
        async with runtime.sessions() as session, session.begin():
            naive = datetime(2026, 1, 1)
            session.add(
                Member(display_name="Sam", specialisms=[], created_at=naive, updated_at=NOW)
            )


async def test_unique_constraints_hold(runtime: Runtime) -> None:
    async with runtime.sessions() as session, session.begin():
        session.add(Institution(short_name="northmoor", name="University of Northmoor"))
    with pytest.raises(IntegrityError):
        async with runtime.sessions() as session, session.begin():
            session.add(Institution(short_name="northmoor", name="Another name"))


async def test_concurrent_upserts_of_one_new_person_make_one_member(runtime: Runtime) -> None:
    who = Identity("slack", "T1", "U1")

    async def first_sight() -> int:
        async with runtime.sessions() as session, session.begin():
            identity = await upsert_member(session, who, Profile(display_name="Priya"), NOW)
            await asyncio.sleep(0)  # yield, so the other requests interleave before commit
            return identity.member_id

    ids = await asyncio.gather(*(first_sight() for _ in range(4)))
    assert len(set(ids)) == 1
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 1
        assert await session.scalar(select(func.count()).select_from(PlatformIdentity)) == 1


async def test_verified_email_joins_identities_into_one_member(runtime: Runtime) -> None:
    verified = Profile(display_name="Priya", email="Priya@Northmoor.ac.uk", email_verified=True)
    unverified = Profile(display_name="Priya", email="priya@northmoor.ac.uk")
    async with runtime.sessions() as session, session.begin():
        on_slack = await upsert_member(session, Identity("slack", "T1", "U1"), verified, NOW)
        on_teams = await upsert_member(session, Identity("teams", "t", "aad-1"), verified, NOW)
        stranger = await upsert_member(session, Identity("teams", "t", "aad-2"), unverified, NOW)
    assert on_slack.member_id == on_teams.member_id
    assert stranger.member_id != on_slack.member_id


async def test_a_verified_email_fetched_after_the_first_press_still_joins_one_member(
    runtime: Runtime,
) -> None:
    """A first press is answered before the profile is fetched (adapters/slack/profiles.py):
    when it comes, a verified e-mail an older member has joins the two, with the RSVP-like
    facts the new one made meanwhile; an unverified one never does."""
    verified = Profile(display_name="Priya", email="priya@northmoor.ac.uk", email_verified=True)
    slack, stranger = Identity("slack", "T1", "U1"), Identity("slack", "T1", "U2")
    async with runtime.sessions() as session, session.begin():
        on_teams = await upsert_member(session, Identity("teams", "t", "aad-1"), verified, NOW)
        await upsert_member(session, slack, Profile(), NOW)  # pressed before anything was known
        await upsert_member(session, stranger, Profile(), NOW)
    fetched = [
        (slack, verified, {"team_id": "T1"}),
        (stranger, Profile(display_name="Someone", email="priya@northmoor.ac.uk"), {}),
    ]
    await conversations.record_profiles(runtime.sessions, fetched, NOW)
    async with runtime.sessions() as session:
        joined = await session.scalar(
            select(PlatformIdentity).where(PlatformIdentity.user_id == "U1")
        )
        other = await session.scalar(
            select(PlatformIdentity).where(PlatformIdentity.user_id == "U2")
        )
        members = await session.scalar(select(func.count()).select_from(Member))
    assert joined is not None and joined.member_id == on_teams.member_id
    assert joined.conversation == {"team_id": "T1"} and joined.profile_synced_at is not None
    assert other is not None and other.member_id != on_teams.member_id
    assert members == 2
