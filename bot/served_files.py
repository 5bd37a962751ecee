"""GET /files/{token}/{filename}: a published file, for whoever holds its link."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.files import TOKEN
from bot.health import RUNTIME
from store import files

log = logging.getLogger(__name__)


async def stored_file(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    token = request.match_info.get("token", "")
    if not TOKEN.match(token):
        raise web.HTTPNotFound(text="No such file.")
    try:
        async with runtime.sessions() as session:
            found = await files.by_token(session, token, runtime.clock.now())
            if found is None:
                raise web.HTTPNotFound(text="No such file, or its link has expired.")
            body, content_type, name = found.data, found.content_type, found.filename
    except (SQLAlchemyError, OSError) as problem:
        log.warning("file link: database unavailable (%s)", type(problem).__name__)
        raise web.HTTPServiceUnavailable(text="Please try again in a minute.") from None
    inline = content_type.startswith("image/")
    return web.Response(
        body=body,
        content_type=content_type,
        headers={
            "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
        },
    )
