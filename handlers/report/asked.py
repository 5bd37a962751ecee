"""What `report [FROM TO] [institution NAME]` asks for, or a friendly sentence on why not.

Pure: the words and today's date in, a period and an institution name out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from store.report.period import Period

EXAMPLE = "report 2025-08-01 2026-07-31, or report institution Northmoor"


@dataclass(frozen=True)
class Asked:
    period: Period
    institution: str | None  # as typed


def read(args: str, today: date) -> Asked | str:
    """The period (default: the twelve months to today) and the institution typed, if any."""
    words = args.split()
    lowered = [word.lower() for word in words]
    institution = None
    if "institution" in lowered:
        at = lowered.index("institution")
        institution = " ".join(words[at + 1 :]) or None
        if institution is None:
            return f"Which institution? Try: {EXAMPLE}."
        words = words[:at]
    if len(words) > 2:
        return f"I read at most two dates, a start and an end. Try: {EXAMPLE}."
    days: list[date] = []
    for word in words:
        try:
            days.append(date.fromisoformat(word))
        except ValueError:
            return f"“{word[:30]}” isn't a date I can read: dates look like 2025-08-01."
    if not days:
        return Asked(Period.year_to(today), institution)
    start, end = days[0], days[1] if len(days) > 1 else today
    if end < start:
        return (
            f"That period ends ({end:%-d %b %Y}) before it starts ({start:%-d %b %Y}). "
            f"Put the start first: report {end} {start}."
        )
    if end > today:
        return (
            f"{end:%-d %b %Y} is still to come, so there is nothing to count yet. "
            f"End the period today ({today}) or earlier."
        )
    return Asked(Period(start, end), institution)
