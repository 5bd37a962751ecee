from __future__ import annotations

import pytest

from bot.router import Router


async def noop(ctx, arg) -> None:  # type: ignore[no-untyped-def]
    return None


def make_router() -> Router:
    router = Router()
    router.command("mentor", summary="Mentoring")(noop)
    router.command("mentor", "find", summary="Find a mentor")(noop)
    router.command("admin", "role", summary="Roles", role="admin")(noop)
    return router


def test_resolves_words_and_arguments_with_or_without_a_slash() -> None:
    router = make_router()
    route, args = router.resolve("/mentor  find  LC-MS orbitrap")  # type: ignore[misc]
    assert (route.word, route.sub, args) == ("mentor", "find", "LC-MS orbitrap")
    route, args = router.resolve("Mentor status")  # type: ignore[misc]
    assert (route.word, route.sub, args) == ("mentor", None, "status")
    assert router.resolve("nonsense here") is None
    assert router.resolve("   ") is None


def test_nearest_command_for_a_typo() -> None:
    router = make_router()
    assert router.nearest("mentr find", set()) == "mentor find"
    assert router.nearest("mentro", set()) == "mentor"
    assert router.nearest("zzz", set()) is None


def test_did_you_mean_never_names_a_command_help_hides() -> None:
    router = make_router()
    assert router.nearest("admn role", set()) != "admin role"
    assert router.nearest("admn role", {"admin"}) == "admin role"


def test_ids_must_be_feature_dot_verb_and_unique() -> None:
    router = Router()
    with pytest.raises(ValueError):
        router.action("Request")(noop)
    router.action("mentor.request")(noop)
    with pytest.raises(ValueError):
        router.action("mentor.request")(noop)


def test_include_refuses_clashes() -> None:
    one, two = make_router(), make_router()
    with pytest.raises(ValueError):
        one.include(two)


def test_visible_commands_follow_roles() -> None:
    router = make_router()
    assert {r.usage for r in router.visible_to({"member"})} == {"mentor", "mentor find"}
    assert "admin role" in {r.usage for r in router.visible_to({"member", "admin"})}
