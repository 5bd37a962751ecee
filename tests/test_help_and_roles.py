from __future__ import annotations

from bot.harness import Harness
from store.members import member_by_handle, roles_of
from tests.helpers import make_member


async def roles(harness: Harness, handle: str) -> set[str]:
    async with harness.runtime.sessions() as session:
        member = await member_by_handle(session, handle)
        assert member is not None
        return await roles_of(session, member.id)


async def test_help_lists_commands_for_my_roles_with_examples(harness: Harness) -> None:
    member_help = (await harness.say("priya", "help")).text
    assert "profile edit" in member_help and "admin role" not in member_help
    await make_member(harness, "alex", "admin")
    admin_help = (await harness.say("alex", "/help")).text
    assert "admin role grant priya champion" in admin_help


async def test_help_on_one_topic(harness: Harness) -> None:
    text = (await harness.say("priya", "help profile")).text
    assert "profile link" in text and "Getting started" not in text
    assert "no help on" in (await harness.say("priya", "help zebras")).text


async def test_admin_grants_and_revokes_a_role(harness: Harness) -> None:
    await make_member(harness, "alex", "admin")
    await make_member(harness, "dan")
    assert (
        "Dan is now a champion" in (await harness.say("alex", "admin role grant dan champion")).text
    )
    assert "already" in (await harness.say("alex", "admin role grant dan champion")).text
    assert await roles(harness, "dan") == {"member", "champion"}
    listing = (await harness.say("alex", "admin role list")).text
    assert "Champions: Dan" in listing
    assert "no longer" in (await harness.say("alex", "admin role revoke dan champion")).text
    assert await roles(harness, "dan") == {"member"}


async def test_a_non_admin_is_refused_politely_and_nothing_changes(harness: Harness) -> None:
    await make_member(harness, "dan")
    turn = await harness.say("dan", "admin role grant dan admin")
    assert "only for network admins" in turn.text
    assert await roles(harness, "dan") == {"member"}


async def test_the_last_admin_cannot_be_removed(harness: Harness) -> None:
    await make_member(harness, "alex", "admin")
    turn = await harness.say("alex", "admin role revoke alex admin")
    assert "no admin" in turn.text
    assert "admin" in await roles(harness, "alex")


async def test_bad_role_commands_explain_themselves(harness: Harness) -> None:
    await make_member(harness, "alex", "admin")
    assert "Try:" in (await harness.say("alex", "admin role")).text
    assert "isn't a role" in (await harness.say("alex", "admin role grant alex wizard")).text
    assert "couldn't find" in (await harness.say("alex", "admin role grant nobody champion")).text
