"""GET /readyz and GET /metrics: what a load balancer and Prometheus ask a process.

`/healthz` (bot/health.py) says the process is alive. `/readyz` says it should be
given turns: the database answers, its schema is at this code's migration head,
and the process is not shutting down. `/metrics` is the Prometheus text format.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.health import RUNTIME
from store.db import ping
from store.migrate import applied_revisions, head_revisions

log = logging.getLogger(__name__)
CHECK_WITHIN = 2.0  # seconds; a probe must answer before the balancer gives up
HEADS = web.AppKey("migration_heads", frozenset)


def mount(app: web.Application) -> None:
    app[HEADS] = frozenset(head_revisions())  # read once: the code does not change
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


async def readyz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    if runtime.draining:
        return _not_ready("shutting down")
    try:
        applied = await asyncio.wait_for(_check(runtime.engine), timeout=CHECK_WITHIN)
    except Exception as problem:
        log.warning("readiness: database unreachable: %s", type(problem).__name__)
        return _not_ready("database unreachable")
    heads = request.app[HEADS]
    if applied != heads:
        log.warning("readiness: database at %s, code at %s", sorted(applied), sorted(heads))
        return _not_ready("migrations not at head: run benchmate db upgrade")
    return web.json_response({"status": "ready", "database": "ok", "migrations": "head"})


async def _check(engine: AsyncEngine) -> set[str]:
    await ping(engine)
    return await applied_revisions(engine)


def _not_ready(reason: str) -> web.Response:
    return web.json_response({"status": "not ready", "reason": reason}, status=503)


async def metrics(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        async with asyncio.timeout(CHECK_WITHIN), runtime.sessions() as session:
            await runtime.metrics.read_outbox(session, runtime.clock.now())
    except Exception as problem:  # the rest is still worth scraping
        log.warning("metrics: outbox depth unavailable: %s", type(problem).__name__)
    body = runtime.metrics.render()
    return web.Response(body=body, headers={"Content-Type": runtime.metrics.content_type})
