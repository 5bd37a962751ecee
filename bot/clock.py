"""One source of time for the whole bot, so tests and `tick --now` can set it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to: for tests and `benchmate tick --now`."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 10, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        if self.current.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.current = self.current.astimezone(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        self.current += delta
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when.astimezone(UTC)


class SettableClock:
    """Runs like the wall clock, but can be moved: the console's `!tick` and `--now`.

    Once set, time runs on from the instant set, so a scripted story that jumps to
    the day of an event carries on there, line after line.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("SettableClock needs a timezone-aware datetime")
        self._offset = when.astimezone(UTC) - datetime.now(UTC)
