"""The few SQL pieces every section uses: which window a row falls in, months, day counts,
medians and an institution scope, written once for SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Member
from store.report.figures import BEFORE, NOW
from store.report.period import Period


@dataclass(frozen=True)
class Windows:
    """This period and the one before, as instants (ends clamped to now) and as days."""

    before_start: datetime
    start: datetime
    end: datetime
    first_day: date
    start_day: date
    end_day: date  # the first day after
    institution_id: int | None
    dialect: str
    period: Period

    @classmethod
    def of(
        cls,
        period: Period,
        zone: ZoneInfo,
        now: datetime,
        institution_id: int | None,
        dialect: str,
    ) -> Windows:
        previous = period.previous()
        before_start, _ = previous.bounds(zone)
        start, end = period.bounds(zone)
        return cls(
            before_start,
            start,
            min(end, now),
            previous.start,
            period.start,
            period.end + timedelta(days=1),
            institution_id,
            dialect,
            period,
        )

    # --- instants --------------------------------------------------------------------

    def which(self, column: Any) -> ColumnElement[Any]:
        """ "now", "before" or NULL for a timestamp column."""
        return case(
            (and_(column >= self.start, column < self.end), literal(NOW)),
            (and_(column >= self.before_start, column < self.start), literal(BEFORE)),
        )

    def spans(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.before_start, column < self.end)

    def overlaps(self, key: str, started: Any, ended: Any) -> ColumnElement[bool]:
        """Something that ran from `started` until `ended` (NULL: still running) touched
        window `key`."""
        lower, upper = (self.start, self.end) if key == NOW else (self.before_start, self.start)
        return and_(started < upper, (ended.is_(None)) | (ended >= lower))

    # --- days --------------------------------------------------------------------------

    def which_day(self, column: Any) -> ColumnElement[Any]:
        return case(
            (and_(column >= self.start_day, column < self.end_day), literal(NOW)),
            (and_(column >= self.first_day, column < self.start_day), literal(BEFORE)),
        )

    def spans_days(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.first_day, column < self.end_day)

    # --- scope -------------------------------------------------------------------------

    def member_in_scope(self, member_id: Any) -> ColumnElement[bool]:
        """True for everyone on the network; for one institution, its members only."""
        if self.institution_id is None:
            return literal(True)
        return member_id.in_(select(Member.id).where(Member.institution_id == self.institution_id))

    # --- dialect pieces ------------------------------------------------------------------

    def month(self, column: Any) -> ColumnElement[str]:
        """YYYY-MM of a timestamp or date (UTC)."""
        if self.dialect == "postgresql":
            return func.to_char(column, "YYYY-MM")
        return func.substr(column, 1, 7)  # stored as text, "YYYY-MM-DD ..."

    def days_between(self, later_day: Any, earlier_instant: Any) -> ColumnElement[float]:
        """Whole days from a timestamp's date to a later date."""
        if self.dialect == "postgresql":
            return later_day - func.date(earlier_instant)
        return func.julianday(later_day) - func.julianday(func.date(earlier_instant))


def positions(*numbers: int) -> list[ColumnElement[Any]]:
    """GROUP BY 1, 2: the window's CASE carries bound values, which PostgreSQL would not
    match between the SELECT and a repeated GROUP BY expression."""
    return [literal_column(str(number)) for number in numbers]


async def by_window(session: AsyncSession, query: Any) -> dict[str, float]:
    """{"now": n, "before": n} from a query of (window, number) rows."""
    return {key: value or 0 for key, value in (await session.execute(query)).all() if key}


async def medians(session: AsyncSession, rows: Any) -> dict[str, float]:
    """The median of `value` per `window`, in SQL: `rows` selects (window, value)."""
    numbered = select(
        rows.c.window,
        rows.c.value,
        func.row_number().over(partition_by=rows.c.window, order_by=rows.c.value).label("n"),
        func.count().over(partition_by=rows.c.window).label("size"),
    ).subquery()
    middle = (
        select(numbered.c.window, func.avg(numbered.c.value))
        .where(
            numbered.c.n.in_([(numbered.c.size + 1) / 2, (numbered.c.size + 2) / 2]),
            numbered.c.window.is_not(None),
        )
        .group_by(numbered.c.window)
    )
    return {key: float(value) for key, value in (await session.execute(middle)).all()}
