"""Proactive Slack messages for the outbox: DMs and channel posts, paced by Slack.

A 429 becomes RetryLater with Slack's Retry-After; a gone user or an archived
channel becomes a PermanentFailure the outbox records instead of retrying.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.oauth import DatabaseInstallationStore
from adapters.slack.pages import Pager
from adapters.slack.render import render_message
from bot.delivery import PermanentFailure, RetryLater, Sender, Target
from bot.ui import Message

log = logging.getLogger(__name__)

PERMANENT = {
    "account_inactive",
    "user_not_found",
    "users_not_found",
    "channel_not_found",
    "is_archived",
    "not_in_channel",
    "user_disabled",
    "cannot_dm_bot",
    "team_access_not_granted",
    "invalid_auth",
    "token_revoked",
    "not_authed",
}
DEFAULT_WAIT = timedelta(seconds=30)
# Outbox keys travel as message metadata, so a restarted worker can see what arrived.
METADATA_EVENT = "benchmate_outbox"
HISTORY_LOOKBACK = 50
WEB_API_TIMEOUT_S = 30
TokenFinder = Callable[[Target], Awaitable[str]]


class SlackSender(Sender):
    """Every Web API call goes through one aiohttp session, so messages reuse its
    connections (AsyncWebClient without a session opens and closes one per call).
    `close()` ends it: Runtime.close calls it on shutdown."""

    # Slack allows about one message per second in a conversation (chat.postMessage).
    per_conversation_interval = 1.0

    def __init__(self, base_url: str, find_token: TokenFinder, pages: Pager | None = None) -> None:
        self.base_url = base_url
        self.find_token = find_token
        # Without a pager (no database at hand) a long message goes trimmed, with a note.
        self.pages = pages
        self.clients: dict[str, AsyncWebClient] = {}
        self._session: ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def client(self, token: str) -> AsyncWebClient:
        session = self._shared_session()
        client = self.clients.get(token)
        if client is None or client.session is not session:
            client = AsyncWebClient(token=token, base_url=self.base_url, session=session)
            self.clients[token] = client
        return client

    def _shared_session(self) -> ClientSession:
        """Made on first use, in the loop that sends (a session belongs to one loop)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            # The timeout AsyncWebClient would give a session of its own.
            self._session = ClientSession(timeout=ClientTimeout(total=WEB_API_TIMEOUT_S))
            self._loop = loop
        return self._session

    async def close(self) -> None:
        if self._session is not None and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None
        self.clients.clear()

    async def send(self, target: Target, message: Message) -> None:
        client = self.client(await self.find_token(target))
        extra = {}
        if target.key:
            extra["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": target.key}}
        try:
            channel = target.channel_id or await self._direct_channel(client, target)
            await client.chat_postMessage(
                channel=channel,
                unfurl_links=False,
                unfurl_media=False,
                **extra,
                **await self._render(target, message),
            )
        except SlackApiError as problem:
            raise failure(problem) from problem
        except (ClientError, TimeoutError) as problem:
            raise RetryLater(f"Slack unreachable: {problem}") from problem

    async def _render(self, target: Target, message: Message) -> dict[str, Any]:
        if self.pages is None:
            return render_message(message)
        reader = None if target.channel_id else target.user_id  # a channel: anyone there
        return await self.pages.message(message, target.workspace, reader)

    async def delivered(self, target: Target, key: str) -> bool:
        """Whether a message tagged with this outbox key is already in the conversation."""
        try:
            client = self.client(await self.find_token(target))
            channel = target.channel_id or await self._direct_channel(client, target)
            history = await client.conversations_history(
                channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
            )
        except SlackApiError as problem:
            found = failure(problem)
            if isinstance(found, RetryLater) and "rate limit" in str(found):
                raise found from problem  # ask again after the wait, rather than send twice
            return False  # cannot tell: sending again beats losing the message
        except (PermanentFailure, RetryLater, ClientError, TimeoutError):
            return False
        return any(
            (found.get("metadata") or {}).get("event_payload", {}).get("key") == key
            for found in history.get("messages") or []
        )

    async def _direct_channel(self, client: AsyncWebClient, target: Target) -> str:
        known = (target.conversation or {}).get("dm")
        if known:
            return known
        if not target.user_id:
            raise PermanentFailure("no Slack user or channel to send to")
        opened = await client.conversations_open(users=target.user_id)
        return opened["channel"]["id"]


def failure(problem: SlackApiError) -> Exception:
    response = problem.response
    if response.status_code == 429:
        after = response.headers.get("Retry-After") or response.headers.get("retry-after")
        wait = timedelta(seconds=int(after)) if after and str(after).isdigit() else DEFAULT_WAIT
        return RetryLater("Slack rate limit (429)", after=wait, rate_limited=True)
    error = (response.data or {}).get("error", "") if isinstance(response.data, dict) else ""
    if error in PERMANENT:
        return PermanentFailure(f"Slack: {error}")
    if error == "ratelimited":
        return RetryLater("Slack rate limit", after=DEFAULT_WAIT, rate_limited=True)
    return RetryLater(f"Slack error: {error or response.status_code}")


def single_token(token: str) -> TokenFinder:
    async def find(target: Target) -> str:
        return token

    return find


class InstalledTokens:
    """Bot tokens per workspace, from the installation store's in-memory copy."""

    RELOAD_AFTER_SECONDS = 60

    def __init__(self, store: DatabaseInstallationStore) -> None:
        self.store = store

    async def __call__(self, target: Target) -> str:
        enterprise = (target.conversation or {}).get("enterprise_id")
        bot = self.store.cached_bot(enterprise, target.workspace)
        loaded_at = self.store.loaded_at
        if bot is None and (
            loaded_at is None or time.monotonic() - loaded_at > self.RELOAD_AFTER_SECONDS
        ):
            await self.store.load()  # installed since we last looked, perhaps by another process
            bot = self.store.cached_bot(enterprise, target.workspace)
        if bot is None or not bot.bot_token:
            raise PermanentFailure("Benchmate is not installed in that Slack workspace")
        return bot.bot_token
