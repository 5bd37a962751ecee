"""A report's window: whole days in the network's timezone, and the window before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The window of the same length just before, or the month before for a whole month."""
        if self.is_whole_month():
            end = self.start - timedelta(days=1)
            return Period(end.replace(day=1), end)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def is_whole_month(self) -> bool:
        return (
            self.start.day == 1
            and (self.end + timedelta(days=1)).day == 1
            and (self.end - self.start).days < 31
        )

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[first instant, first instant after) in UTC."""
        return _midnight(self.start, zone), _midnight(self.end + timedelta(days=1), zone)

    def months(self) -> list[str]:
        """Each calendar month the window touches, as YYYY-MM."""
        found, day = [], self.start.replace(day=1)
        while day <= self.end:
            found.append(f"{day:%Y-%m}")
            day = (day + timedelta(days=32)).replace(day=1)
        return found

    def label(self) -> str:
        if self.is_whole_month():
            return f"{self.start:%B %Y}"
        return f"{self.start:%-d %b %Y} – {self.end:%-d %b %Y}"

    @classmethod
    def month_before(cls, today: date) -> Period:
        """Last calendar month, seen from `today`."""
        end = today.replace(day=1) - timedelta(days=1)
        return cls(end.replace(day=1), end)

    @classmethod
    def year_to(cls, today: date) -> Period:
        """The twelve months up to and including `today`."""
        try:
            start = today.replace(year=today.year - 1) + timedelta(days=1)
        except ValueError:  # 29 February
            start = today.replace(year=today.year - 1, day=28) + timedelta(days=1)
        return cls(start, today)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
