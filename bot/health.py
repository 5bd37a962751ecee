"""GET /healthz: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.runtime import Runtime
from store.db import ping

log = logging.getLogger(__name__)
RUNTIME = web.AppKey("runtime", Runtime)


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        await asyncio.wait_for(ping(runtime.engine), timeout=3)
    except Exception as problem:
        log.warning("health check: database unreachable: %s", problem)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})
