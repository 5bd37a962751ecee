"""Microsoft Teams: the Bot Framework endpoint, Adaptive Cards, proactive messages, app package.

The composition root (bot/root.py) calls `mount`, `install` and `add_cli`.
"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from bot.runtime import Runtime

log = logging.getLogger("benchmate.teams")


def mount(app: web.Application, runtime: Runtime) -> None:
    """POST /api/messages. Raises TeamsNotConfigured for unusable settings (e.g. production
    without an app id), so a misconfigured server fails at start-up, not at first message."""
    from adapters.teams.endpoint import make_handler

    app.router.add_post("/api/messages", make_handler(runtime))


def install(runtime: Runtime) -> None:
    """The outbox sender for Teams, unless the settings cannot work (then `mount` says why)."""
    from adapters.teams.endpoint import TeamsNotConfigured, make_messenger
    from adapters.teams.sender import TeamsSender

    try:
        messenger = make_messenger(runtime)
    except TeamsNotConfigured as problem:
        log.warning("Teams messages will not be sent: %s", problem)
        return
    runtime.senders["teams"] = TeamsSender(runtime, messenger)


def add_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from adapters.teams.package import add_package_command

    add_package_command(subparsers)
