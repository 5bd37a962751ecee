"""Slack: slash commands, Block Kit, modals, App Home and proactive messages.

The composition root calls `mount` (routes on the one aiohttp app), `install`
(the outbox sender) and `add_cli` (`benchmate slack manifest`).
"""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.slack.adapter import (
    SlackAdapter,
    SlackConfigError,
    api_url,
    check_credentials,
    is_configured,
    uses_oauth,
)
from adapters.slack.manifest import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH, add_cli
from adapters.slack.oauth import DatabaseInstallationStore
from adapters.slack.pages import Pager
from adapters.slack.sender import InstalledTokens, SlackSender, single_token
from bot.runtime import Runtime

log = logging.getLogger(__name__)
SLACK = web.AppKey("slack", SlackAdapter)

__all__ = ["SLACK", "SlackConfigError", "add_cli", "install", "mount"]


def mount(app: web.Application, runtime: Runtime) -> None:
    settings = runtime.settings
    if not is_configured(settings):
        return
    check_credentials(settings)
    if not (settings.slack_signing_secret or settings.slack_app_token):
        log.warning("Slack is not served: set SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN).")
        return
    adapter = SlackAdapter(runtime, _installation_store(runtime))
    app[SLACK] = adapter
    if settings.slack_signing_secret:
        app.router.add_post(EVENTS_PATH, adapter.handle_events)
        if uses_oauth(settings):
            app.router.add_get(INSTALL_PATH, adapter.handle_oauth)
            app.router.add_get(REDIRECT_PATH, adapter.handle_oauth)
    app.on_startup.append(adapter.on_startup)
    app.on_cleanup.append(adapter.on_cleanup)


def install(runtime: Runtime) -> None:
    settings = runtime.settings
    pages = Pager(runtime.sessions, runtime.clock)
    if uses_oauth(settings):
        store = DatabaseInstallationStore(runtime)
        runtime.senders["slack"] = SlackSender(api_url(settings), InstalledTokens(store), pages)
    elif settings.slack_bot_token:
        runtime.senders["slack"] = SlackSender(
            api_url(settings), single_token(settings.slack_bot_token), pages
        )


def _installation_store(runtime: Runtime) -> DatabaseInstallationStore | None:
    """Share the sender's store, so an install seen by the web side reaches the outbox."""
    sender = runtime.senders.get("slack")
    tokens = getattr(sender, "find_token", None)
    if isinstance(tokens, InstalledTokens):
        return tokens.store
    return None
