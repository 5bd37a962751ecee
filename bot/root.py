"""The composition root: the one module of the core that imports features and adapters.

It builds the router from the features (`handlers.build_router`), gives the runtime
the platforms' outbox senders, and mounts the platforms' web routes and the files
features declare on the web app. Everything else in `bot/` is platform- and
feature-neutral and receives what it needs from here, as a `Runtime`. The CLI
(`bot/cli.py`) starts the program through these functions; tests and benchmarks use
them too, so they run what production runs.
"""

from __future__ import annotations

import importlib
import importlib.util
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.router import Router
from bot.runtime import Runtime
from bot.settings import Settings

if TYPE_CHECKING:
    from aiohttp import web
    from sqlalchemy.ext.asyncio import AsyncSession

# Each adapter package offers `mount(app, runtime)` (its HTTP routes), `install(runtime)`
# (its outbox sender, when its credentials are configured) and may offer `add_cli`.
PLATFORM_PACKAGES = ("adapters.slack", "adapters.teams")


def build_router() -> Router:
    from handlers import build_router as features

    return features()


def create_runtime(
    settings: Settings,
    *,
    router: Router | None = None,
    clock: Clock | None = None,
    database_url: str | None = None,
) -> Runtime:
    """A runtime with every feature's routes (or `router`), and no senders yet."""
    return Runtime.create(
        settings, router or build_router(), clock=clock, database_url=database_url
    )


def serving_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    """A runtime that can deliver: every platform's sender installed, and the console's."""
    runtime = create_runtime(settings, clock=clock)
    install_senders(runtime)
    return runtime


def install_senders(runtime: Runtime) -> None:
    from adapters.console.session import ConsoleSender

    for module in platform_modules():
        module.install(runtime)
    runtime.senders.setdefault("console", ConsoleSender())


def create_app(runtime: Runtime) -> web.Application:
    """The aiohttp app: health, files, the features' downloads and every platform."""
    from bot.app import web_app

    return web_app(runtime, [module.mount for module in platform_modules()])


def platform_modules() -> list[ModuleType]:
    return [
        importlib.import_module(name)
        for name in PLATFORM_PACKAGES
        if importlib.util.find_spec(name) is not None
    ]


async def seed_demo(session: AsyncSession, now: datetime) -> dict[str, int]:
    """The demo network, its mentors indexed with the matching rule's weights."""
    from handlers.mentoring.matching import WEIGHTS
    from store import demo

    return await demo.seed(session, now, WEIGHTS)


async def run_console(runtime: Runtime, handle: str | None) -> int:
    from adapters.console.repl import run_console as repl

    return await repl(runtime, handle)
