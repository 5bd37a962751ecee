"""Remembering where each Teams person and channel can be reached, in the database.

A conversation reference is stored as {"scope": ..., "reference": {...}}:
`personal` (a 1:1 chat with the bot), `seed` (seen only in a shared chat: enough
to open a 1:1 chat later), `channel` or `groupChat`. Writes happen only when
something changed, so a busy member costs no extra write per turn.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ConversationReference

from adapters.teams.translate import (
    CHANNEL,
    PERSONAL,
    PLATFORM,
    channel_id_of,
    channel_name_of,
    identity_of,
    profile_of,
    scope_of,
    tenant_of,
)
from bot.inbound import Inbound, Synced
from bot.runtime import Runtime
from bot.sanitise import clean
from store import conversations

log = logging.getLogger(__name__)

PROFILE_SYNC_EVERY = timedelta(days=30)
CACHE_FOR = timedelta(hours=1)
CACHE_SIZE = 10_000


def stored(scope: str, reference: ConversationReference) -> dict[str, Any]:
    return {"scope": scope, "reference": reference.serialize()}


def reference_of(conversation: dict[str, Any]) -> ConversationReference:
    return ConversationReference().deserialize(conversation["reference"])


class Directory:
    def __init__(self, runtime: Runtime, home_tenant: str | None) -> None:
        self.runtime = runtime
        self.home_tenant = home_tenant
        self._written: dict[str, tuple[str, datetime]] = {}

    def fold_into_turn(self, turn: TurnContext, inbound: Inbound) -> Inbound:
        """The person's reference, when new or changed, for the turn to store itself."""
        activity = turn.activity
        conversation = _person_conversation(activity)
        key = _person_key(activity)
        if not self._changed(key, conversation):
            return inbound
        self._note(key, conversation)
        personal = conversation["scope"] == PERSONAL
        synced = Synced(conversation, profile_fetched=False, replace=personal)
        return replace(inbound, synced=synced)

    async def observe(self, turn: TurnContext) -> None:
        """After a turn: store the channel it came from, and sync the person's profile
        from the roster when it was never fetched or is a month old."""
        await self._remember_channel_of(turn.activity)
        key = "roster|" + _person_key(turn.activity)
        if not self._changed(key, {}):
            return
        who = identity_of(turn.activity)
        synced = await conversations.profile_synced_at(self.runtime.sessions, who)
        self._note(key, {})
        if synced is None or synced <= self.runtime.clock.now() - PROFILE_SYNC_EVERY:
            await self._sync_profile(turn)

    async def observe_install(self, turn: TurnContext) -> None:
        """Added to a chat: the chat and the person at once, before the welcome."""
        activity = turn.activity
        await self._remember_channel_of(activity)
        personal = scope_of(activity) == PERSONAL
        await self._remember_person(turn, _person_conversation(activity), replace=personal)

    async def remember_personal(self, activity: Activity, reference: ConversationReference) -> None:
        """A 1:1 chat the bot just opened for this person."""
        await conversations.remember_identity(
            self.runtime.sessions,
            identity_of(activity),
            profile_of(activity),
            self.runtime.clock.now(),
            stored(PERSONAL, reference),
        )
        self._written.pop(_person_key(activity), None)

    async def _remember_person(
        self, turn: TurnContext, conversation: dict[str, Any], replace: bool
    ) -> None:
        activity = turn.activity
        key = _person_key(activity)
        if not self._changed(key, conversation):
            return
        synced = await conversations.remember_identity(
            self.runtime.sessions,
            identity_of(activity),
            profile_of(activity),
            self.runtime.clock.now(),
            conversation,
            replace=replace,
        )
        self._note(key, conversation)
        if synced is None or synced <= self.runtime.clock.now() - PROFILE_SYNC_EVERY:
            await self._sync_profile(turn)

    async def _remember_channel_of(self, activity: Activity) -> None:
        scope = scope_of(activity)
        if scope == PERSONAL:
            return
        reference = TurnContext.get_conversation_reference(activity)
        reference.activity_id = None
        await self._remember_channel(activity, stored(scope, _channel_root(activity, reference)))

    async def _remember_channel(self, activity: Activity, conversation: dict[str, Any]) -> None:
        channel_id = channel_id_of(activity)
        key = f"channel|{tenant_of(activity)}|{channel_id}"
        if not self._changed(key, conversation):
            return
        await conversations.remember_channel(
            self.runtime.sessions,
            PLATFORM,
            tenant_of(activity),
            channel_id,
            channel_name_of(activity),
            conversation,
            self.runtime.clock.now(),
        )
        self._note(key, conversation)

    async def _sync_profile(self, turn: TurnContext) -> None:
        """Name and e-mail from the Teams roster, where the tenant allows it (best effort)."""
        activity = turn.activity
        email = name = None
        try:
            member = await TeamsInfo.get_member(turn, activity.from_property.id)
            email = member.email or member.user_principal_name
            name = clean(member.name).strip() if member.name else None
        except Exception as problem:  # roster access is optional; never fail a turn on it
            log.info("Teams roster lookup failed: %s", problem)
        verified = bool(self.home_tenant) and tenant_of(activity) == self.home_tenant
        await conversations.record_profile(
            self.runtime.sessions,
            identity_of(activity),
            email,
            verified,
            self.runtime.clock.now(),
            name,
        )

    def forget(self, key: str) -> None:
        self._written.pop(key, None)

    def _changed(self, key: str, conversation: dict[str, Any]) -> bool:
        seen = self._written.get(key)
        fresh = seen and seen[1] > self.runtime.clock.now() - CACHE_FOR
        return not (fresh and seen[0] == _fingerprint(conversation))  # type: ignore[index]

    def _note(self, key: str, conversation: dict[str, Any]) -> None:
        if len(self._written) >= CACHE_SIZE:
            self._written.clear()
        self._written[key] = (_fingerprint(conversation), self.runtime.clock.now())


def person_key(workspace: str, user_id: str) -> str:
    return f"person|{workspace}|{user_id}"


def _person_key(activity: Activity) -> str:
    who = identity_of(activity)
    return person_key(who.workspace, who.user_id)


def _person_conversation(activity: Activity) -> dict[str, Any]:
    """A personal chat's reference, or from a shared chat the seed to open one later."""
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    scope = scope_of(activity)
    if scope == PERSONAL:
        return stored(PERSONAL, reference)
    return stored("seed", _channel_root(activity, reference))


def _fingerprint(conversation: dict[str, Any]) -> str:
    return json.dumps(conversation, sort_keys=True)


def _channel_root(activity: Activity, reference: ConversationReference) -> ConversationReference:
    """Where a new post goes: the channel itself, not the thread of this message."""
    root = ConversationReference().deserialize(reference.serialize())
    if scope_of(activity) == CHANNEL:
        root.conversation.id = channel_id_of(activity)
    return root
