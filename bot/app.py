"""The aiohttp application: the composition root for the web side."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.downloads import mount_downloads
from bot.health import RUNTIME, healthz
from bot.platforms import platform_modules
from bot.runtime import Runtime
from bot.served_files import stored_file


def create_app(runtime: Runtime) -> web.Application:
    app = web.Application()
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/files/{token}/{filename}", stored_file)
    mount_downloads(app, runtime.router.downloads)
    for mount in _platform_mounts():
        mount(app, runtime)
    return app


def _platform_mounts() -> list[Callable[[web.Application, Runtime], None]]:
    """Each platform adapter adds its routes (POST /slack/events, POST /api/messages)."""
    return [module.mount for module in platform_modules()]
