"""One Bot Connector client per service URL, kept across turns.

botbuilder's CloudAdapter makes a new ConnectorClient for every activity, and each
builds msrest's retry policy (a list of 999 status codes, each looked up in a list
of 500): several milliseconds of CPU per Teams turn, measured as 7% of a whole RSVP
rush. The older BotFrameworkAdapter kept its clients per service URL; this keeps
them so again. A client holds its credentials, which refresh their own tokens.
"""

from __future__ import annotations

from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
)

KEEP_AT_MOST = 64  # service URLs are few (one per region); a bound all the same


class KeptConnectors(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, kept: dict[tuple[Any, ...], Any]) -> None:
        self.inner = inner
        self.kept = kept

    async def create(self, service_url: str, audience: str) -> Any:
        # The identity it acts as, too: a factory is made per caller's claims.
        key = (service_url, audience, getattr(self.inner, "_app_id", None))
        found = self.kept.get(key)
        if found is None:
            if len(self.kept) >= KEEP_AT_MOST:
                self.kept.clear()
            found = self.kept[key] = await self.inner.create(service_url, audience)
        return found


class Authentication(ConfigurationBotFrameworkAuthentication):
    """botbuilder's own authentication, whose connector factories keep their clients."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept: dict[tuple[Any, ...], Any] = {}

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = KeptConnectors(result.connector_factory, self._kept)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return KeptConnectors(super().create_connector_factory(claims_identity), self._kept)
