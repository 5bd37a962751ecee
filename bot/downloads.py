"""GET routes for the files features declare on their routers (`router.download`).

A feature says where its files live (a path prefix and suffix) and how to find one
by its token; this module is the only aiohttp in the exchange, so features stay
free of the web framework. Holding the link is the permission: tokens are long and
random, and anything that does not look like one is a 404 before the database.
"""

from __future__ import annotations

import logging
import re

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.health import RUNTIME
from bot.router import Download

log = logging.getLogger(__name__)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def mount_downloads(app: web.Application, downloads: list[Download]) -> None:
    for download in downloads:
        app.router.add_get(download.path, _serve(download))


def _serve(download: Download):
    async def serve(request: web.Request) -> web.Response:
        runtime = request.app[RUNTIME]
        token = request.match_info.get("token", "")
        if not TOKEN.match(token):
            raise web.HTTPNotFound(text="No such file.")
        try:
            async with runtime.sessions() as session:
                found = await download.fetch(session, token, runtime.clock.now())
        except (SQLAlchemyError, OSError) as problem:
            log.warning("download: database unavailable (%s)", type(problem).__name__)
            raise web.HTTPServiceUnavailable(text="Please try again in a minute.") from None
        if found is None:
            raise web.HTTPNotFound(text="No such file, or its link has expired.")
        return web.Response(
            body=found.data,
            content_type=found.content_type,
            charset=found.charset,
            headers={
                "Content-Disposition": (
                    f'{"inline" if found.inline else "attachment"}; filename="{found.filename}"'
                ),
                "Cache-Control": found.cache,
                "X-Content-Type-Options": "nosniff",
            },
        )

    return serve
