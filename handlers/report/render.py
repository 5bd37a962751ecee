"""The report as a chat reply: per section its figures with the last period beside them,
a chart with its table, and how each figure is counted; then Download."""

from __future__ import annotations

from datetime import date

from bot.ui import Actions, Block, Button, Fields, Heading, Hint, Image, Message, Section
from handlers.report.words import number, value
from store.report.figures import Figure, Report, Table

DOWNLOAD = "report.download"


def heading(report: Report) -> str:
    return f"Impact report for {report.scope}: {report.period.label()}"


def reply(report: Report, charts: dict[str, Image], download_value: str) -> Message:
    title = heading(report)
    blocks: list[Block] = [
        Heading(text=title),
        Hint(text=f"Beside each figure: the period before, {report.previous.label()}."),
    ]
    lines = [title]
    for section in report.sections:
        blocks.append(Heading(text=section.title))
        lines.append(section.title)
        if section.unavailable:
            blocks.append(Section(text=section.unavailable))
            lines.append(f"  {section.unavailable}")
            continue
        pairs = [(figure.label, value(figure)) for figure in section.figures]
        blocks.append(Fields(pairs=pairs))
        lines += [f"  {label}: {shown}" for label, shown in pairs]
        if section.key in charts:
            blocks.append(charts[section.key])
        for table in section.tables:
            if not table.empty:
                blocks.append(Fields(pairs=table_pairs(table)))
        blocks.append(Hint(text="How these are counted: " + definitions(section.figures)))
    blocks.append(
        Actions(
            buttons=[
                Button(
                    label="Download evidence pack",
                    action_id=DOWNLOAD,
                    value=download_value,
                    style="primary",
                )
            ]
        )
    )
    return Message(text="\n".join(lines), blocks=blocks)


def table_pairs(table: Table) -> list[tuple[str, str]]:
    """A table as label/value pairs, so every platform (and the console) shows it."""
    pairs = [(table.title, " · ".join(table.columns))]
    for label, values in table.rows:
        pairs.append((label, " · ".join(number(v) for v in values)))
    return pairs


def definitions(figures: list[Figure]) -> str:
    """"Label: how." for each figure; figures counted the same way share one sentence."""
    labels_by_how: dict[str, list[str]] = {}
    for figure in figures:
        labels_by_how.setdefault(figure.how, []).append(figure.label)
    return " ".join(f"{'; '.join(labels)}: {how}" for how, labels in labels_by_how.items())


def empty(report: Report) -> Message:
    text = (
        f"Nothing was recorded for {report.scope} between {_day(report.period.start)} and "
        f"{_day(report.period.end)}: no events, mentoring or activity to count. Try a longer "
        "period, for example the last twelve months: report"
    )
    return Message(blocks=[Section(text=text)])


def _day(day: date) -> str:
    return f"{day:%-d %b %Y}"
