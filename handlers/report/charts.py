"""One chart per section with something to draw (never an empty chart), drawn on the
server by bot.charts; the same charts go into the chat reply and the PDF."""

from __future__ import annotations

from bot import charts
from bot.charts import Chart
from store.report.figures import Report, Section, Table

THIS, LAST = "This period", "Last period"
MENTORING_FIGURES = ("Pairs started", "Pairs active", "Pairs closed", "Meetings logged")
MOST_LINES = 6


def draw(report: Report) -> dict[str, Chart]:
    """Charts by section key (CPU work: call it in a thread)."""
    drawn: dict[str, Chart] = {}
    for section in report.sections:
        chart = _chart_for(section)
        if chart is not None:
            drawn[section.key] = chart
    return drawn


def _chart_for(section: Section) -> Chart | None:
    if section.empty:
        return None
    if section.key == "mentoring":
        figures = [section.figure(label) for label in MENTORING_FIGURES]
        return charts.grouped_bar_chart(
            "Mentoring: this period and the last",
            [figure.label for figure in figures],
            {
                THIS: [figure.now or 0 for figure in figures],
                LAST: [figure.before or 0 for figure in figures],
            },
        )
    table = next((table for table in section.tables if not table.empty), None)
    if table is None:
        return None
    return _table_chart(table)


def _table_chart(table: Table) -> Chart:
    labels = [label for label, _ in table.rows]
    if table.chart == "line":
        rows = table.rows[:MOST_LINES]
        return charts.line_chart(
            table.title, list(table.columns), {label: list(values) for label, values in rows}
        )
    series = {
        column: [values[index] or 0 for _, values in table.rows]
        for index, column in enumerate(table.columns)
    }
    return charts.grouped_bar_chart(table.title, labels, series)
