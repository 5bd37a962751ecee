"""Who a Slack user is: users.info on first sight, then at most daily.

The sync happens after the turn has answered, never on its path: a crowd of
people pressing Going for the first time is answered at once, and their
profiles follow when no turn is waiting (half a minute at most), a batch at a
time, one users.info call after another (Slack allows about a hundred a
minute), each batch stored in one write. Until then a new member is "A new
member" in the network's time zone. An in-process cache remembers recent
syncs, so a busy member's requests make neither a users.info call nor an extra
database read.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import Origin
from bot.background import QUIET_WAIT_SECONDS
from bot.inbound import Identity, Profile
from bot.runtime import Runtime
from bot.sanitise import clean_profile
from store import conversations

log = logging.getLogger(__name__)

PROFILE_MAX_AGE = timedelta(days=1)
RETRY_AFTER_FAILURE = timedelta(minutes=10)
CACHE_SIZE = 20_000
BATCH = 50


def profile_from_user(user: dict[str, Any]) -> Profile:
    details = user.get("profile") or {}
    name = details.get("display_name") or details.get("real_name") or user.get("real_name")
    email = details.get("email") or None
    return clean_profile(
        Profile(
            display_name=name or user.get("name") or None,
            email=email,
            # Slack says so only for a confirmed address; anything else stays unverified.
            email_verified=bool(email and user.get("is_email_confirmed") is True),
            timezone=user.get("tz") or None,
        )
    )


def conversation_of(origin: Origin) -> dict[str, Any]:
    """What the sender needs later to reach this person: their team, and DM if known."""
    facts: dict[str, Any] = {"team_id": origin.team_id}
    if origin.enterprise_id:
        facts["enterprise_id"] = origin.enterprise_id
    if origin.is_direct and origin.channel_id and origin.channel_id.startswith("D"):
        facts["dm"] = origin.channel_id
    return facts


class Profiles:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.synced: OrderedDict[Identity, datetime] = OrderedDict()
        # Who to sync, with the client of their workspace and where a DM reaches them.
        self.waiting: dict[Identity, tuple[AsyncWebClient, dict[str, Any]]] = {}
        self._syncing = False

    def sync_later(
        self, who: Identity, client: AsyncWebClient, conversation: dict[str, Any]
    ) -> None:
        """After a turn: sync this person's profile if it may be missing or stale."""
        if self._fresh(self.synced.get(who), self.runtime.clock.now()):
            self.synced.move_to_end(who)
            return
        self.waiting[who] = (client, conversation)
        if not self._syncing:
            self._syncing = True
            self.runtime.background.start(self._sync_waiting(), "syncing Slack profiles")

    async def _sync_waiting(self) -> None:
        try:
            while self.waiting:
                await self.runtime.idle(within=QUIET_WAIT_SECONDS)
                batch = list(self.waiting.items())[:BATCH]
                fetched = []
                for who, (client, conversation) in batch:
                    del self.waiting[who]
                    profile = await self.fetch_if_stale(who, client, strangers=False)
                    if profile is not None:
                        fetched.append((who, profile, conversation))
                if fetched:
                    now = self.runtime.clock.now()
                    await conversations.record_profiles(self.runtime.sessions, fetched, now)
        finally:
            self._syncing = False

    async def fetch_if_stale(
        self, who: Identity, client: AsyncWebClient, strangers: bool = True
    ) -> Profile | None:
        """A fresh profile when this identity is new or stale; None when the copy is fine
        (or, with `strangers=False`, when no turn stored this identity)."""
        now = self.runtime.clock.now()
        if self._fresh(self.synced.get(who), now):
            self.synced.move_to_end(who)
            return None
        known, stored = await conversations.sync_state(self.runtime.sessions, who)
        if not known and not strangers:  # the turn turned them away: nothing to ask
            return None
        if self._fresh(stored, now):
            self._remember(who, stored)  # type: ignore[arg-type]
            return None
        try:
            user = (await client.users_info(user=who.user_id))["user"]
        except (SlackApiError, OSError, TimeoutError) as problem:
            log.warning("users.info failed for %s: %s", who.user_id, problem)
            self._remember(who, now - PROFILE_MAX_AGE + RETRY_AFTER_FAILURE)
            return None
        self._remember(who, now)
        return profile_from_user(user)

    def _fresh(self, when: datetime | None, now: datetime) -> bool:
        return when is not None and now - when < PROFILE_MAX_AGE

    def _remember(self, who: Identity, when: datetime) -> None:
        self.synced[who] = when
        self.synced.move_to_end(who)
        while len(self.synced) > CACHE_SIZE:
            self.synced.popitem(last=False)
