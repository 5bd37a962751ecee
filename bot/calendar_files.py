"""GET /calendar/{token}.ics: an event's calendar file, for whoever holds its link."""

from __future__ import annotations

import re

from aiohttp import web

from bot.health import RUNTIME
from bot.ics import CONTENT_TYPE, event_ics
from store import events

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


async def calendar_file(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    token = request.match_info.get("token", "")
    if not TOKEN.match(token):
        raise web.HTTPNotFound(text="No such calendar file.")
    async with runtime.sessions() as session:
        found = await events.by_token(session, token)
        if found is None:
            raise web.HTTPNotFound(text="No such calendar file.")
        body = event_ics(found, runtime.clock.now())
    return web.Response(
        body=body,
        content_type=CONTENT_TYPE,
        charset="utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="event.ics"',
            "Cache-Control": "no-cache",
        },
    )
