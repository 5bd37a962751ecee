"""`nominate report`: nominations, consents, shortlisted and winners by year, institution
and category, with the year-on-year trend the action plans ask for ("nominations and
winners increasing year on year"). Counts only: no names, no statements, no scores."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.context import Context
from bot.core import refusal
from bot.ui import Block, Fields, Heading, Hint, Message, Section
from handlers.nominations.common import may_open_drives
from handlers.nominations.router import router
from store.nominations import queries as store
from store.nominations.queries import Counted

MEASURES = ("nominations", "consents", "shortlisted", "winners")


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, row: Counted) -> None:
        self.counts["nominations"] += 1
        self.counts["consents"] += row.accepted
        self.counts["shortlisted"] += row.shortlisted
        self.counts["winners"] += row.winner
        self.counts["supporting statements"] += row.supports

    def line(self) -> str:
        return ", ".join(f"{self.counts[m]} {m}" for m in MEASURES)


@router.command(
    "nominate",
    "report",
    summary="Nominations, consents, shortlisted and winners by year, with the trend",
    example="nominate report",
    shown_to="coordinator",
)
async def report(ctx: Context, args: str) -> None:
    if not may_open_drives(ctx):
        ctx.reply(refusal("coordinator"))
        return
    owner = None if ctx.has_role("admin") else ctx.member.id
    rows, declined = await store.report_rows(ctx.session, owner)
    if not rows and not declined:
        ctx.reply("No nominations to report yet. Type nominate new to open a drive.")
        return
    ctx.reply(report_message(rows, declined, args.strip()))


def report_message(
    rows: list[Counted], declined: dict[tuple[int, str], int], asked: str
) -> Message:
    by_year: dict[int, Tally] = {}
    for row in rows:
        by_year.setdefault(row.year, Tally()).add(row)
    for (year, _), count in declined.items():
        by_year.setdefault(year, Tally()).counts["nominations"] += count
    years = sorted(by_year)
    year = int(asked) if asked.isdigit() and int(asked) in by_year else years[-1]
    blocks: list[Block] = [Heading(text="Award nominations: year on year")]
    lines = []
    for number, each in enumerate(years):
        tally = by_year[each]
        trend = trend_words(by_year[years[number - 1]], tally) if number else "first year"
        lines.append(f"{each}: {tally.line()} ({trend})")
    blocks.append(Section(text="\n".join(lines)))
    for title, key in (("By institution", "institution"), ("By category", "category")):
        groups: dict[str, Tally] = {}
        for row in rows:
            if row.year == year:
                groups.setdefault(getattr(row, key), Tally()).add(row)
        blocks.append(Heading(text=f"{title}, {year}"))
        blocks.append(
            Fields(
                pairs=[(name, groups[name].line()) for name in sorted(groups)]
                or [("—", "nothing yet")]
            )
        )
    declines = sum(count for (each, _), count in declined.items() if each == year)
    blocks.append(
        Hint(
            text=f"{year}: {declines} nominee(s) chose not to go forward; a decline is kept "
            "only as a count. Type nominate report YEAR for another year."
        )
    )
    return Message(text="Award nominations: year on year\n" + "\n".join(lines), blocks=blocks)


def trend_words(before: Tally, now: Tally) -> str:
    """ "nominations ↑ 4, winners ↑ 1" against the year before."""
    parts = []
    for measure in ("nominations", "winners"):
        change = now.counts[measure] - before.counts[measure]
        arrow = "↑" if change > 0 else "↓" if change < 0 else "="
        parts.append(f"{measure} {arrow} {abs(change)}" if change else f"{measure} =")
    return ", ".join(parts) + " on the year before"
