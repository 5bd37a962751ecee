"""Linking platforms merges two members into one, whichever side starts it (issue 13, 6)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.harness import Harness
from store.audit import AuditEntry
from store.members import grant_role
from store.mentoring.models import Relationship
from store.models import Member, PlatformIdentity, RoleGrant
from tests.helpers import make_member
from tests.mentoring_network import join, network, paired


def teams_of(harness: Harness) -> Harness:
    return Harness(harness.runtime, platform="teams", workspace="tenant-1")


async def code_from(harness: Harness, handle: str) -> str:
    text = (await harness.say(handle, "profile link")).text
    return text.split("link code is ")[1].split(".")[0]


async def owner_of(harness: Harness, handle: str) -> int:
    async with harness.runtime.sessions() as session:
        owner = await session.scalar(
            select(PlatformIdentity.member_id).where(PlatformIdentity.user_id == handle)
        )
        assert owner is not None
        return owner


async def snapshot(harness: Harness) -> tuple[object, ...]:
    async with harness.runtime.sessions() as session:
        return (
            sorted(await session.scalars(select(Member.id))),
            sorted(
                (i.user_id, i.member_id) for i in await session.scalars(select(PlatformIdentity))
            ),
            sorted((g.member_id, g.role) for g in await session.scalars(select(RoleGrant))),
            await session.scalar(select(func.count()).select_from(Relationship)),
        )


async def test_established_member_redeeming_a_new_identitys_code_keeps_the_relationship(
    harness: Harness,
) -> None:
    relationship_id = await paired(harness)
    priya = await owner_of(harness, "priya")
    teams = teams_of(harness)
    code = await code_from(teams, "aad-priya")  # a brand-new Teams identity makes the code

    assert "Linked!" in (await harness.say("priya", f"profile link {code}")).text

    assert await owner_of(harness, "aad-priya") == priya  # the older member survives
    async with harness.runtime.sessions() as session:
        relationship = await session.get(Relationship, relationship_id)
        assert relationship is not None and relationship.mentee_id == priya
        assert await session.scalar(select(func.count()).select_from(Member)) == 3
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "member.merge"))
        assert entry is not None and entry.target_id == priya
    assert "Priya" in (await harness.say("farah", "mentor status")).text
    assert "Farah" in (await teams.say("aad-priya", "mentor status")).text


async def test_new_identity_redeeming_keeps_both_sides_data(harness: Harness) -> None:
    relationship_id = await paired(harness)
    priya = await owner_of(harness, "priya")
    teams = teams_of(harness)
    await make_member(teams, "aad-priya", "champion", "admin")  # the new side holds something too
    async with harness.runtime.sessions() as session, session.begin():
        await grant_role(session, priya, "champion", harness.runtime.clock.now())  # twice over
    code = await code_from(harness, "priya")

    assert "Linked!" in (await teams.say("aad-priya", f"profile link {code}")).text

    assert await owner_of(harness, "aad-priya") == priya
    async with harness.runtime.sessions() as session:
        relationship = await session.get(Relationship, relationship_id)
        assert relationship is not None and relationship.mentee_id == priya
        roles = list(
            await session.scalars(select(RoleGrant.role).where(RoleGrant.member_id == priya))
        )
        assert sorted(roles) == ["admin", "champion"]
    assert "Priya" in (await harness.say("farah", "mentor status")).text


async def test_two_mentoring_profiles_are_refused_and_nothing_changes(harness: Harness) -> None:
    ids = await network(harness)
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    teams = teams_of(harness)
    await join(teams, "aad-priya", ids["northmoor"], "mentor", specialisms="nmr")
    code = await code_from(teams, "aad-priya")
    before = await snapshot(harness)

    reply = (await harness.say("priya", f"profile link {code}")).text

    assert "both accounts have a mentoring profile" in reply
    assert "Nothing has changed" in reply
    assert await snapshot(harness) == before
    async with harness.runtime.sessions() as session:
        merged = await session.scalar(select(AuditEntry).where(AuditEntry.action == "member.merge"))
        assert merged is None
