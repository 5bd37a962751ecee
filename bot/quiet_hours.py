"""Quiet hours: proactive messages land 09:00–17:00 on working days, in the recipient's zone.

Weekends and bank holidays (England and Wales by default, from the `holidays`
library) are skipped. A message due outside those hours is deferred to the next
allowed instant when the dispatcher picks it up, so a member's later change of
timezone still counts. Urgent kinds opt out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WORKING_DAYS = frozenset(range(5))  # Monday..Friday
LOOK_AHEAD_DAYS = 60  # far more than the longest run of non-working days

# Kinds that may arrive at any hour (e.g. a meeting moved to within the hour).
URGENT_KINDS: set[str] = set()


def mark_urgent(*kinds: str) -> None:
    """A feature declares kinds that skip quiet hours (never a member's pause)."""
    URGENT_KINDS.update(kinds)


def is_urgent(kind: str) -> bool:
    return kind in URGENT_KINDS


@dataclass(frozen=True)
class QuietHours:
    start: time = time(9)
    end: time = time(17)
    country: str = "GB"
    subdivision: str | None = "ENG"  # England and Wales share their bank holidays

    def allows(self, when: datetime, zone: ZoneInfo) -> bool:
        local = when.astimezone(zone)
        return self._working_day(local.date()) and self.start <= local.time() < self.end

    def next_allowed(self, when: datetime, zone: ZoneInfo) -> datetime:
        """`when` itself if allowed, else the start of the next allowed window (in UTC terms)."""
        if self.allows(when, zone):
            return when
        local = when.astimezone(zone)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        for _ in range(LOOK_AHEAD_DAYS):
            if self._working_day(day):
                return datetime.combine(day, self.start, tzinfo=zone).astimezone(when.tzinfo)
            day += timedelta(days=1)
        raise ValueError("no working day in the next two months")

    def _working_day(self, day: date) -> bool:
        return day.weekday() in WORKING_DAYS and day not in _calendar(
            self.country, self.subdivision
        )

    def working_day_from(self, day: date) -> date:
        """`day` if it is a working day, else the next one (no weekend or bank holiday)."""
        for _ in range(LOOK_AHEAD_DAYS):
            if self._working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day in the next two months")


@lru_cache(maxsize=8)
def _calendar(country: str, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)


def zone_named(name: str | None, default: str) -> ZoneInfo:
    """A member's zone; an unknown name (a platform's odd value) falls back to the default."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)
