"""Pacing: space sends out so a burst never turns into a storm of 429s.

A reservation pacer (GCRA, the exact twin of a token bucket): each send reserves
the next free slot under every limit it is subject to — the sender's overall
rate, its workspace's (tenant's) rate, and one message per interval in each
conversation — then waits for that slot. A platform's Retry-After holds a whole
workspace back for everyone. Time and sleep are injected, so tests drive the
pacer from a fake clock and never sleep on wall time.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Sleep = Callable[[float], Awaitable[None]]
PRUNE_AT = 10_000  # conversation buckets kept before idle ones are dropped


@dataclass(frozen=True)
class Pacing:
    """A sender's limits, read from optional attributes of the sender (see bot/delivery.py)."""

    global_rate: float | None = None  # messages per second, whole sender
    workspace_rate: float | None = None  # messages per second, one workspace or tenant
    per_conversation_interval: float | None = None  # seconds between two in one conversation
    burst: int = 1  # how many may go back to back under the rates above
    max_concurrency: int = 4  # sends in flight at once

    @classmethod
    def of(cls, sender: Any) -> Pacing:
        return cls(
            global_rate=sender.global_rate,
            workspace_rate=sender.workspace_rate,
            per_conversation_interval=sender.per_conversation_interval,
            burst=max(1, int(sender.burst)),
            max_concurrency=max(1, int(sender.max_concurrency)),
        )


@dataclass
class Bucket:
    """GCRA: `tat` is when the bucket would next be empty; `burst` slots may be early."""

    interval: float
    burst: int = 1
    tat: float = -math.inf

    def earliest(self, now: float) -> float:
        return max(now, self.tat - (self.burst - 1) * self.interval)

    def take(self, slot: float) -> None:
        self.tat = max(self.tat, slot) + self.interval


@dataclass
class Pacer:
    pacing: Pacing = field(default_factory=Pacing)
    now: Callable[[], float] = time.monotonic
    sleep: Sleep = asyncio.sleep
    _overall: Bucket | None = None
    _workspaces: dict[str, Bucket] = field(default_factory=dict)
    _conversations: dict[str, Bucket] = field(default_factory=dict)
    _held_until: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.pacing.global_rate:
            self._overall = Bucket(1 / self.pacing.global_rate, self.pacing.burst)

    async def wait_turn(self, workspace: str, conversation: str) -> float:
        """Wait until this message may go; returns the seconds waited."""
        waited = 0.0
        while True:
            now = self.now()
            held = self._held_until.get(workspace, now)
            buckets = self._buckets(workspace, conversation)
            slot = max([now, held] + [bucket.earliest(now) for bucket in buckets])
            for bucket in buckets:
                bucket.take(slot)
            if slot > now:
                await self.sleep(slot - now)
                waited += slot - now
            # A Retry-After that arrived while this send waited is waited out too.
            if self._held_until.get(workspace, held) <= held:
                return waited

    def hold(self, workspace: str, seconds: float) -> None:
        """The platform said "slow down": nothing more goes to this workspace for a while."""
        until = self.now() + seconds
        self._held_until[workspace] = max(until, self._held_until.get(workspace, until))

    def _buckets(self, workspace: str, conversation: str) -> list[Bucket]:
        found = [self._overall] if self._overall else []
        if self.pacing.workspace_rate:
            found.append(
                _bucket(self._workspaces, workspace, 1 / self.pacing.workspace_rate, self.pacing)
            )
        if self.pacing.per_conversation_interval:
            if len(self._conversations) >= PRUNE_AT:
                self._prune()
            found.append(
                _bucket(
                    self._conversations,
                    conversation,
                    self.pacing.per_conversation_interval,
                    None,
                )
            )
        return found

    def _prune(self) -> None:
        now = self.now()
        for key in [k for k, bucket in self._conversations.items() if bucket.tat <= now]:
            del self._conversations[key]


def _bucket(table: dict[str, Bucket], key: str, interval: float, pacing: Pacing | None) -> Bucket:
    bucket = table.get(key)
    if bucket is None:
        bucket = table[key] = Bucket(interval, pacing.burst if pacing else 1)
    return bucket
