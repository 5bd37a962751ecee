"""What a report holds: figures with the previous period beside them, tables, and how
each is counted. Plain data: the chat reply, the charts and the evidence pack all read it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from store.report.period import Period

NOW, BEFORE = "now", "before"
ChartKind = Literal["bars", "grouped", "line"]


@dataclass(frozen=True)
class Figure:
    """One measure for this period and the last. `None` means nothing to show; `hidden`
    says why a figure built from anonymous answers is held back."""

    label: str
    now: float | None
    before: float | None
    how: str
    unit: str = ""  # "", "%", "days", "out of 5"
    hidden: str | None = None

    @property
    def change(self) -> float | None:
        """Percentage change against the last period, when both are there and the last not 0."""
        if self.now is None or not self.before or self.hidden:
            return None
        return (self.now - self.before) / self.before * 100


@dataclass(frozen=True)
class Table:
    """Rows of a label and one value per column (this period and the last, or months)."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, tuple[float | None, ...]]]
    how: str
    chart: ChartKind = "grouped"

    @property
    def empty(self) -> bool:
        return not any(value for _, values in self.rows for value in values)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # Said instead of figures when a feature has no data to count yet.
    unavailable: str | None = None

    @property
    def empty(self) -> bool:
        return self.unavailable is not None or not any(
            figure.now or figure.before for figure in self.figures
        )

    def figure(self, label: str) -> Figure:
        for figure in self.figures:
            if figure.label == label:
                return figure
        raise KeyError(label)


@dataclass(frozen=True)
class Report:
    scope: str  # "the network" or an institution's name
    period: Period
    previous: Period
    sections: list[Section]

    @property
    def empty(self) -> bool:
        """Nothing happened in the period asked for (the previous one may have had things).
        Figures of today's state, with no last period (registrations), don't count."""
        return not any(
            figure.now
            for section in self.sections
            for figure in section.figures
            if figure.before is not None
        )

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)


def pair(counts: Mapping[str, float | None], label: str, how: str, unit: str = "") -> Figure:
    """A figure from a {"now": …, "before": …} row of a grouped query."""
    return Figure(label, counts.get(NOW) or 0, counts.get(BEFORE) or 0, how, unit)


def rate(part: Mapping[str, float], whole: Mapping[str, float], key: str) -> float | None:
    return round(100 * part.get(key, 0) / whole[key], 1) if whole.get(key) else None
