"""Recognition: award nominations, consents, shortlists and winners, for this period and
the last, winners by award and category, and the year-on-year trend the action plans ask
for ("nominations and winners increasing year on year over a 3-year window").

A nomination counts in the window it was made in, and for the nominee's institution.
Counts only: nobody is named, and a declined nomination (kept only as a count on its
category) is not among them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from store.nominations.models import Category, Drive, Nomination
from store.report.figures import BEFORE, NOW, Section, Table, pair
from store.report.sql import Windows, positions

NOT_YET = (
    "No award nominations are recorded yet: when a coordinator opens a drive (nominate new) "
    "and colleagues nominate each other, they are counted here, rather than zeros."
)
HOW_MADE = "Nominations made in the period, for nominees at the institution when nominated."


async def section(session: AsyncSession, w: Windows) -> Section:
    n = Nomination
    counted = [
        func.count(),
        _sum(n.status == "accepted"),
        _sum(n.shortlisted),
        _sum(n.winner),
    ]
    rows = await session.execute(
        select(w.which(n.created_at), *counted)
        .where(w.spans(n.created_at), _in_scope(w))
        .group_by(*positions(1))
    )
    made: dict[str, float] = {}
    accepted: dict[str, float] = {}
    shortlisted: dict[str, float] = {}
    winners: dict[str, float] = {}
    for key, *values in rows.all():
        if key:
            made[key], accepted[key], shortlisted[key], winners[key] = values
    by_year = await _by_year(session, w, counted)
    if not made and not by_year:
        return Section("recognition", "Recognition", unavailable=NOT_YET)
    figures = [
        pair(made, "Nominations", HOW_MADE),
        pair(accepted, "Consents", "Of those, nominations the nominee accepted."),
        pair(shortlisted, "Shortlisted", "Of those, nominations the review shortlisted."),
        pair(winners, "Winners", "Of those, nominations recorded as winning their award."),
    ]
    tables = [
        Table(
            "Nominations year on year",
            ("Nominations", "Consents", "Shortlisted", "Winners"),
            by_year,
            "By the year of each drive, every year on record. " + HOW_MADE,
        ),
        Table(
            "Winners by award and category",
            ("This period", "Last period"),
            await _winners(session, w),
            "Winning nominations made in the period, by drive and category.",
        ),
    ]
    return Section("recognition", "Recognition", figures, tables)


def _sum(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _in_scope(w: Windows) -> ColumnElement[bool]:
    if w.institution_id is None:
        return true()
    return Nomination.institution_id == w.institution_id


async def _by_year(
    session: AsyncSession, w: Windows, counted: list[Any]
) -> list[tuple[str, tuple[float | None, ...]]]:
    rows = await session.execute(
        select(Drive.year, *counted)
        .select_from(Nomination)
        .join(Drive, Drive.id == Nomination.drive_id)
        .where(_in_scope(w))
        .group_by(Drive.year)
        .order_by(Drive.year)
    )
    return [(str(year), tuple(values)) for year, *values in rows.all()]


async def _winners(session: AsyncSession, w: Windows) -> list[tuple[str, tuple[float | None, ...]]]:
    rows = await session.execute(
        select(Drive.title, Category.name, w.which(Nomination.created_at), func.count())
        .select_from(Nomination)
        .join(Drive, Drive.id == Nomination.drive_id)
        .join(Category, Category.id == Nomination.category_id)
        .where(Nomination.winner, w.spans(Nomination.created_at), _in_scope(w))
        .group_by(*positions(1, 2, 3))
    )
    table: dict[str, dict[str, float]] = {}
    for drive, category, key, count in rows.all():
        table.setdefault(f"{drive}: {category}", {})[key] = count
    return [
        (name, (counts.get(NOW, 0), counts.get(BEFORE, 0)))
        for name, counts in sorted(table.items())
    ]
