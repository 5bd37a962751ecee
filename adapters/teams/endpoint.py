"""POST /api/messages: botbuilder's CloudAdapter, with or without Bot Framework auth.

botbuilder-python is archived (support ended December 2025; the successor is the
Microsoft 365 Agents SDK). Every botbuilder import stays in adapters/teams/, so a
later swap touches only this folder.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import jwt
from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter

from adapters.teams.connectors import Authentication
from adapters.teams.directory import Directory
from adapters.teams.proactive import Messenger
from adapters.teams.turn import TeamsBot
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger("benchmate.teams")

LOCAL_MODE_WARNING = """
!!! Teams endpoint running WITHOUT authentication (no MICROSOFT_APP_ID).       !!!
!!! Anyone who can reach /api/messages can act as any Teams user. Use this only !!!
!!! on your own machine, e.g. with the Microsoft 365 Agents Playground.         !!!"""


class TeamsNotConfigured(RuntimeError):
    """The Teams settings cannot work; the message says which one to fix."""


@dataclass(frozen=True)
class Credentials:
    """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str | None
    APP_PASSWORD: str | None
    APP_TYPE: str
    APP_TENANTID: str | None


def credentials(settings: Settings) -> Credentials:
    app_id = (settings.microsoft_app_id or "").strip() or None
    if app_id is None:
        if settings.is_production:
            raise TeamsNotConfigured(
                "BENCHMATE_ENV=production needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and "
                "MICROSOFT_APP_TENANT_ID for the Teams endpoint; it will not run "
                "unauthenticated."
            )
        # MultiTenant with no id is botbuilder's "authentication disabled" mode.
        return Credentials(None, None, "MultiTenant", None)
    app_type = settings.microsoft_app_type or "SingleTenant"
    if app_type.lower() != "userassignedmsi" and not settings.microsoft_app_password:
        raise TeamsNotConfigured("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not.")
    if app_type.lower() in {"singletenant", "userassignedmsi"} and not (
        settings.microsoft_app_tenant_id
    ):
        raise TeamsNotConfigured(
            f"MICROSOFT_APP_TYPE={app_type} needs MICROSOFT_APP_TENANT_ID (your Entra tenant id)."
        )
    return Credentials(
        app_id, settings.microsoft_app_password, app_type, settings.microsoft_app_tenant_id
    )


def make_adapter(creds: Credentials) -> CloudAdapter:
    return CloudAdapter(Authentication(creds))


def make_messenger(runtime: Runtime) -> Messenger:
    creds = credentials(runtime.settings)
    return Messenger(make_adapter(creds), creds.APP_ID)


def make_handler(runtime: Runtime) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    creds = credentials(runtime.settings)
    if creds.APP_ID is None:
        log.warning(LOCAL_MODE_WARNING)
    adapter = make_adapter(creds)
    bot = TeamsBot(
        runtime,
        Directory(runtime, creds.APP_TENANTID),
        Messenger(adapter, creds.APP_ID),
    )

    async def messages(request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise web.HTTPUnsupportedMediaType()
        try:
            response = await adapter.process(request, bot)
        except web.HTTPException:
            raise
        except (PermissionError, jwt.PyJWTError) as problem:
            # botbuilder lets a malformed token's DecodeError escape as a 500.
            log.info("rejected a Teams request: %s", problem)
            raise web.HTTPUnauthorized() from None
        except (json.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError):
            raise web.HTTPBadRequest(text="not a Bot Framework activity") from None
        return response or web.Response(status=201)

    return messages
