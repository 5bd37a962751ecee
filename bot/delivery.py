"""How the outbox reaches a platform: one sender per platform, given by the adapters."""

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


class PermanentFailure(Exception):
    """This message can never be delivered (user gone, bot blocked, channel archived)."""


class RetryLater(Exception):
    """Try again later, after `after` if the platform said (Slack Retry-After)."""

    def __init__(self, reason: str, after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.after = after


class Sender(Protocol):
    async def send(self, target: Target, message: Message) -> None: ...
