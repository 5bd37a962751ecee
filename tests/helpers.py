"""Small helpers shared by tests."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.harness import Harness
from bot.root import create_app
from bot.runtime import Runtime
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


def app_for_tests(runtime: Runtime) -> web.Application:
    """The real web app, whose every response also waits for the work its turn left for
    after the answer (a users.info or roster sync): a test checks what a request left
    behind, and never races it."""

    @web.middleware
    async def finishing_background_work(request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        await runtime.background.drain()
        return response

    app = create_app(runtime)
    app.middlewares.append(finishing_background_work)
    return app
