"""How the outbox reaches a platform: one sender per platform, given by the adapters.

A sender needs only `send`. It may also tell the dispatcher about its platform:
- pacing attributes (all optional): `global_rate` and `workspace_rate` (messages
  per second), `per_conversation_interval` (seconds), `burst`, `max_concurrency`;
  see bot/pacing.py. Slack, say: per_conversation_interval=1.0.
- `async delivered(target, key) -> bool`: whether a message tagged with this
  outbox key (`target.key`) already reached the conversation. The dispatcher
  asks only about rows whose worker died mid-send, so a restart does not send
  them twice (Slack: message metadata read back with conversations.history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from bot.ui import Message


@dataclass(frozen=True)
class Target:
    """Where one proactive message goes: a member's identity or a channel."""

    platform: str
    workspace: str
    user_id: str | None = None
    channel_id: str | None = None
    conversation: dict[str, Any] | None = None
    display_name: str = ""
    # The outbox row's idempotency key, for senders that tag what they send with it.
    key: str = ""

    @property
    def conversation_key(self) -> str:
        """One conversation, for per-conversation pacing."""
        return f"{self.workspace}/{self.channel_id or self.user_id or ''}"


class PermanentFailure(Exception):
    """This message can never be delivered (user gone, bot blocked, channel archived)."""


class RetryLater(Exception):
    """Try again later, after `after` if the platform said (Slack Retry-After)."""

    def __init__(
        self, reason: str, after: timedelta | None = None, *, rate_limited: bool = False
    ) -> None:
        super().__init__(reason)
        self.after = after
        self.rate_limited = rate_limited  # the platform refused for its rate limit (429)


class Sender(Protocol):
    """What the dispatcher asks of a platform's sender. Only `send` must be written; a
    sender subclasses this to take the defaults for the rest (see the module's notes)."""

    # Pacing (bot/pacing.py): messages per second for the whole sender and for one
    # workspace or tenant, seconds between two messages in one conversation, how many
    # may go back to back, and how many sends may be in flight at once.
    global_rate: float | None = None
    workspace_rate: float | None = None
    per_conversation_interval: float | None = None
    burst: int = 1
    max_concurrency: int = 4
    # A sender whose messages are never out of hours (the console prints at once).
    ignores_quiet_hours: bool = False

    async def send(self, target: Target, message: Message) -> None: ...

    async def delivered(self, target: Target, key: str) -> bool:
        """Whether a message tagged with this outbox key already reached the conversation
        (asked only about rows whose worker died mid-send). False: cannot tell."""
        return False  # cannot tell

    async def close(self) -> None:
        """Let go of connections kept between sends."""
        return None
