"""Multi-workspace installs: Bolt's OAuth flow with installations in our own database."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from datetime import UTC, datetime
from logging import Logger
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.runtime import Runtime
from store import admissions, installations
from store.installations import Installed

log = logging.getLogger(__name__)
PLATFORM = "slack"
STATE_LIFETIME_SECONDS = 600


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


class DatabaseInstallationStore(AsyncInstallationStore):
    """Installations in the `installations` table, with bots cached in memory.

    The cache serves Bolt's per-request authorisation and the outbox sender,
    which must not open a second database transaction while it sends.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.bots: dict[tuple[str, str], Bot] = {}
        self.loaded_at: float | None = None

    @property
    def logger(self) -> Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        data = _jsonable(installation.to_dict_for_copying())
        enterprise = installation.enterprise_id or ""
        workspace = "" if installation.is_enterprise_install else installation.team_id or ""
        await installations.save_installation(
            self.runtime.sessions,
            Installed(PLATFORM, enterprise, workspace, installation.bot_user_id, data),
            self.runtime.clock.now(),
        )
        self.bots[(enterprise, workspace)] = installation.to_bot()
        async with self.runtime.sessions() as session, session.begin():
            # A new workspace waits for an admin's approval (bot/admission.py).
            await admissions.note_install(
                session,
                PLATFORM,
                workspace or enterprise,
                installation.team_name or installation.enterprise_name or "",
                self.runtime.clock.now(),
            )

    async def async_save_bot(self, bot: Bot) -> None:
        # Bots are saved with their installation (async_save); nothing else to keep.
        self.bots[
            (bot.enterprise_id or "", "" if bot.is_enterprise_install else bot.team_id or "")
        ] = bot

    async def load(self) -> None:
        rows = await installations.active_installations(self.runtime.sessions, PLATFORM)
        self.bots = {
            (row.enterprise_id, row.workspace): _installation(row).to_bot() for row in rows
        }
        self.loaded_at = time.monotonic()

    def cached_bot(self, enterprise_id: str | None, team_id: str | None) -> Bot | None:
        return self.bots.get((enterprise_id or "", team_id or "")) or self.bots.get(
            (enterprise_id or "", "")
        )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = self.cached_bot(enterprise_id, None if is_enterprise_install else team_id)
        if found is None:
            await self.load()
            found = self.cached_bot(enterprise_id, None if is_enterprise_install else team_id)
        return found

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        rows = await installations.active_installations(self.runtime.sessions, PLATFORM)
        workspace = "" if is_enterprise_install else team_id or ""
        for row in rows:
            if row.enterprise_id == (enterprise_id or "") and row.workspace == workspace:
                return _installation(row)
        return None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await installations.mark_uninstalled(
            self.runtime.sessions,
            PLATFORM,
            enterprise_id or "",
            team_id or "",
            self.runtime.clock.now(),
        )
        self.bots.pop((enterprise_id or "", team_id or ""), None)


def _installation(row: Installed) -> Installation:
    data = dict(row.data)
    if data.get("bot_token_expires_at") is not None:
        data["bot_token_expires_at"] = int(data["bot_token_expires_at"])  # slack_sdk wants int
    if data.get("user_token_expires_at") is not None:
        data["user_token_expires_at"] = int(data["user_token_expires_at"])
    when = data.pop("installed_at", None)
    return Installation(**data, installed_at=float(when or datetime.now(UTC).timestamp()))


class SignedStateStore(AsyncOAuthStateStore):
    """OAuth `state` signed with the client secret: no storage, valid in any process."""

    def __init__(self, secret: str) -> None:
        self.key = hashlib.sha256(secret.encode()).digest()

    @property
    def logger(self) -> Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        payload = f"{int(time.time())}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._sign(payload)}"

    async def async_consume(self, state: str) -> bool:
        payload, _, signature = state.rpartition(".")
        issued = payload.split(".", 1)[0]
        if not (
            payload and issued.isdigit() and hmac.compare_digest(signature, self._sign(payload))
        ):
            return False
        return 0 <= time.time() - int(issued) <= STATE_LIFETIME_SECONDS

    def _sign(self, payload: str) -> str:
        return hmac.new(self.key, payload.encode(), hashlib.sha256).hexdigest()[:32]
