from __future__ import annotations

from bot.harness import Harness
from bot.router import Router
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


async def test_help_shows_coordinator_and_admin_commands_only_to_them(harness: Harness) -> None:
    await make_member(harness, "dan")
    await make_member(harness, "cora", "coordinator")
    await make_member(harness, "alex", "admin")
    coordinating = ("mentor match", "mentor report", "mentor scheme edit")
    for topic in ("help", "help mentor"):
        member = (await harness.say("dan", topic)).text
        assert "mentor find" in member and "mentor schemes" in member
        assert not [usage for usage in coordinating if usage in member], member
        coordinator = (await harness.say("cora", topic)).text
        assert all(usage in coordinator for usage in coordinating), coordinator
        admin = (await harness.say("alex", topic)).text
        assert all(usage in admin for usage in coordinating), admin
    assert "admin role" not in (await harness.say("cora", "help")).text
    assert "admin role" in (await harness.say("alex", "help")).text
    # Hidden is not the check: the handlers still decide, and admins pass them.
    assert "only for the scheme's coordinator" in (await harness.say("dan", "mentor match")).text
    assert "no mentoring schemes yet" in (await harness.say("alex", "mentor report")).text
    assert (await harness.say("alex", "mentor scheme new")).form is not None


def test_a_route_shown_to_a_role_is_listed_for_that_role_and_admins() -> None:
    router = Router()

    async def unused(ctx: object, args: str) -> None:
        return None

    router.command("mentor", "find", summary="Find")(unused)
    router.command("mentor", "match", summary="Match", shown_to="coordinator")(unused)
    router.command("admin", "role", summary="Roles", role="admin")(unused)

    def usages(*roles: str) -> set[str]:
        return {route.usage for route in router.visible_to({"member", *roles})}

    assert usages() == {"mentor find"}
    assert usages("coordinator") == {"mentor find", "mentor match"}
    assert usages("admin") == {"mentor find", "mentor match", "admin role"}
    assert usages("champion") == {"mentor find"}


async def test_organising_events_is_listed_for_champions_and_admins_only(
    harness: Harness,
) -> None:
    await make_member(harness, "dan", "champion")
    await make_member(harness, "alex", "admin")
    organising = ("event new", "event edit", "event cancel", "event status", "event attendance")
    member = (await harness.say("priya", "help event")).text
    assert "event list" in member and not [u for u in organising if u in member], member
    for organiser in ("dan", "alex"):
        shown = (await harness.say(organiser, "help event")).text
        assert all(usage in shown for usage in organising), shown


async def test_an_admin_makes_someone_lead_for_one_institution(harness: Harness) -> None:
    from store.members import holders
    from store.models import Institution

    async with harness.runtime.sessions() as session, session.begin():
        session.add_all(
            [
                Institution(short_name="northmoor", name="University of Northmoor"),
                Institution(short_name="calderbridge", name="Calderbridge University"),
            ]
        )
    await make_member(harness, "alex", "admin")
    await make_member(harness, "dan")
    turn = await harness.say("alex", "admin role grant dan lead Northmoor")
    assert "Dan is now the lead for University of Northmoor" in turn.text
    assert "already" in (await harness.say("alex", "admin role grant dan lead northmoor")).text
    moved = await harness.say("alex", "admin role grant dan lead Calderbridge University")
    assert "lead for Calderbridge University" in moved.text
    async with harness.runtime.sessions() as session:
        leads = await holders(session, "lead")
    assert [(m.display_name, i.name if i else None) for m, i in leads] == [
        ("Dan", "Calderbridge University")
    ]
    assert (
        "Leads: Dan (Calderbridge University)"
        in (await harness.say("alex", "admin role list")).text
    )
    assert "no longer a lead" in (await harness.say("alex", "admin role revoke dan lead")).text
    assert await roles(harness, "dan") == {"member"}


async def test_a_lead_needs_an_institution_that_exists(harness: Harness) -> None:
    from store.models import Institution

    async with harness.runtime.sessions() as session, session.begin():
        session.add(Institution(short_name="northmoor", name="University of Northmoor"))
    await make_member(harness, "alex", "admin")
    await make_member(harness, "dan")
    turn = await harness.say("alex", "admin role grant dan lead Northmor")
    assert "Did you mean University of Northmoor?" in turn.text
    asked = await harness.say("alex", "admin role grant dan lead")
    assert "Which institution will Dan lead?" in asked.text
    assert await roles(harness, "dan") == {"member"}
