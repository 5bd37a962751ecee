"""The aiohttp application: health, published files and the features' downloads, and the
platform routes the composition root (bot/root.py) hands in."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiohttp import web

from bot import probes
from bot.downloads import mount_downloads
from bot.health import RUNTIME, healthz
from bot.runtime import Runtime
from bot.served_files import PUBLISHED

Mount = Callable[[web.Application, Runtime], None]


def web_app(runtime: Runtime, mounts: Iterable[Mount] = ()) -> web.Application:
    app = web.Application()
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    probes.mount(app)
    mount_downloads(app, [PUBLISHED, *runtime.router.downloads])
    for mount in mounts:  # each platform adds its routes (POST /slack/events, /api/messages)
        mount(app, runtime)
    return app


def create_probe_app(runtime: Runtime) -> web.Application:
    """A worker's own small server: liveness, readiness and metrics, no platform routes."""
    app = web.Application()
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    probes.mount(app)
    return app
