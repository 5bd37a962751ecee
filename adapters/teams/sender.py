"""The outbox's way into Teams: stored references, Teams' pacing and its error codes."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from botbuilder.schema import ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams.directory import reference_of, stored
from adapters.teams.outgoing import message_activities
from adapters.teams.proactive import Messenger
from adapters.teams.translate import PERSONAL, PLATFORM
from bot.delivery import PermanentFailure, RetryLater, Sender, Target
from bot.inbound import Identity, Profile
from bot.runtime import Runtime
from bot.ui import Message
from store import conversations

log = logging.getLogger(__name__)

RETRY_STATUSES = {412, 429, 500, 502, 503, 504}
GONE_STATUSES = {403}  # bot blocked, app removed, or the member left the tenant
# Teams' documented limits per bot per conversation (seconds, messages).
WINDOWS = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
LONGEST_INLINE_WAIT = 2.0  # wait this long in place; beyond it, let the outbox reschedule


class Pacer:
    """Keeps each conversation inside Teams' per-conversation rate limits."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self.sent: dict[str, deque[float]] = defaultdict(deque)

    def wait_for(self, conversation_id: str) -> float:
        """Seconds until one more message may go; 0 records it as sent now."""
        now = self.monotonic()
        history = self.sent[conversation_id]
        while history and history[0] <= now - WINDOWS[-1][0]:
            history.popleft()
        wait = 0.0
        for span, limit in WINDOWS:
            recent = [at for at in history if at > now - span]
            if len(recent) >= limit:
                wait = max(wait, recent[-limit] + span - now)
        if wait <= 0:
            history.append(now)
        return wait


class TeamsSender(Sender):
    def __init__(
        self,
        runtime: Runtime,
        messenger: Messenger,
        pacer: Pacer | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.runtime = runtime
        self.messenger = messenger
        self.pacer = pacer or Pacer()
        self.sleep = sleep

    async def send(self, target: Target, message: Message) -> None:
        conversation = target.conversation or {}
        if not conversation.get("reference"):
            raise PermanentFailure(
                "no Teams conversation yet: they have not talked to Benchmate in Teams"
            )
        try:
            reference = reference_of(conversation)
            if conversation.get("scope") == "seed":
                reference = await self._open_personal(target, reference)
            await self._pace(reference.conversation.id)
            await self.messenger.send(reference, message_activities(message))
        except HttpOperationError as problem:
            await self._refused(target, problem)
        except ClientRequestError as problem:
            raise RetryLater(f"Teams unreachable: {problem}") from problem

    async def close(self) -> None:
        await self.messenger.close()

    async def _open_personal(
        self, target: Target, seed: ConversationReference
    ) -> ConversationReference:
        reference = await self.messenger.open_personal(seed, target.workspace)
        await conversations.remember_identity(
            self.runtime.sessions,
            _identity(target),
            Profile(),
            self.runtime.clock.now(),
            stored(PERSONAL, reference),
        )
        return reference

    async def _pace(self, conversation_id: str) -> None:
        wait = self.pacer.wait_for(conversation_id)
        while 0 < wait <= LONGEST_INLINE_WAIT:
            await self.sleep(wait)
            wait = self.pacer.wait_for(conversation_id)
        if wait > 0:
            raise RetryLater("pacing this Teams conversation", after=timedelta(seconds=wait))

    async def _refused(self, target: Target, problem: HttpOperationError) -> None:
        response = problem.response
        status = getattr(response, "status_code", None) or 0
        if status in RETRY_STATUSES:
            raise RetryLater(
                f"Teams answered {status}",
                after=_retry_after(response),
                rate_limited=status == 429,
            )
        reason = f"Teams refused with {status}"
        if status in GONE_STATUSES:
            reason = f"Teams refused with {status}: Benchmate is blocked or was removed"
            await self._mark_gone(target, reason)
        raise PermanentFailure(reason) from problem

    async def _mark_gone(self, target: Target, reason: str) -> None:
        if target.user_id:
            await conversations.mark_unreachable(
                self.runtime.sessions, _identity(target), reason, self.runtime.clock.now()
            )
        elif target.channel_id:
            await conversations.deactivate_channel(
                self.runtime.sessions, PLATFORM, target.workspace, target.channel_id
            )


def _identity(target: Target) -> Identity:
    return Identity(PLATFORM, target.workspace, target.user_id or "")


def _retry_after(response: object) -> timedelta | None:
    """Teams' Retry-After (seconds or a date) when given, with a little jitter."""
    value = (getattr(response, "headers", None) or {}).get("Retry-After")
    if not value:
        return None  # the outbox backs off exponentially, with jitter
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    seconds = max(seconds, 1.0)
    return timedelta(seconds=seconds + random.uniform(0, seconds * 0.2))
