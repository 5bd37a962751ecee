"""Small helpers shared by tests."""

from __future__ import annotations

from bot.harness import Harness
from store.members import grant_role, member_by_handle


async def make_member(harness: Harness, handle: str, *roles: str) -> int:
    """A member who has said hello, with the given roles."""
    await harness.say(handle, "help")
    async with harness.runtime.sessions() as session, session.begin():
        member = await member_by_handle(session, handle)
        assert member is not None
        for role in roles:
            await grant_role(session, member.id, role, harness.runtime.clock.now())
        return member.id
