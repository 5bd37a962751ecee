"""The platform adapters present in this install: the composition root's list.

An adapter package (`adapters.slack`, `adapters.teams`) offers two functions:
`mount(app, runtime)` adds its HTTP routes to the aiohttp app, and
`install(runtime)` registers its outbox sender in `runtime.senders` when its
credentials are configured (so the worker process can deliver too).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

PLATFORM_PACKAGES = ("adapters.slack", "adapters.teams")


def platform_modules() -> list[ModuleType]:
    return [
        importlib.import_module(name)
        for name in PLATFORM_PACKAGES
        if importlib.util.find_spec(name) is not None
    ]


def install_senders(runtime: object) -> None:
    from adapters.console.session import ConsoleSender

    for module in platform_modules():
        module.install(runtime)
    runtime.senders.setdefault("console", ConsoleSender())  # type: ignore[attr-defined]
