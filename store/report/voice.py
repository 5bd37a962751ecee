"""Voice: pulse survey rounds closed in the period and the one before, who was invited and
who answered, and each scale question's mean by round as the trend.

Participation is counted from receipts (that someone answered, never what). Scores come
from a sealed round's tallies only, and only where pulse results would show them: the one
anonymity rule (bot/anonymity.py) decides, given the round's answers and receipts. A
round under the minimum shows its participation and no score. Two grouped queries in all:
the closed rounds with their receipt counts, then their tallies (store/pulse/queries.py).

Voice counts the whole network: invitations are counted per round, not per institution,
and scores are never narrowed to one institution here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import anonymity
from store.pulse import queries as pulse
from store.pulse.models import PulseReceipt, PulseRound, PulseSurvey
from store.report.figures import BEFORE, NOW, Figure, Section, Table, pair, rate
from store.report.sql import Windows

NOT_YET = (
    "No pulse survey round has closed in this period or the one before, so this section "
    "has no data, rather than zeros."
)
HOW_CLOSED = "Pulse survey rounds whose answering closed in the period (network-wide)."
SCALE = "scale"


async def section(session: AsyncSession, w: Windows) -> Section:
    received = (
        select(PulseReceipt.round_id, func.count().label("n"))
        .group_by(PulseReceipt.round_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                w.which(PulseRound.closed_at).label("window"),
                PulseRound.id,
                PulseRound.number,
                PulseRound.invited,
                PulseSurvey.id.label("survey_id"),
                PulseSurvey.title,
                PulseSurvey.questions,
                func.coalesce(received.c.n, 0).label("answered"),
            )
            .join(PulseSurvey, PulseSurvey.id == PulseRound.survey_id)
            .outerjoin(received, received.c.round_id == PulseRound.id)
            .where(PulseRound.status == "closed", w.spans(PulseRound.closed_at))
            .order_by(PulseRound.closed_at, PulseRound.id)
        )
    ).all()
    rows = [row for row in rows if row.window]
    if not rows:
        return Section("voice", "Voice", unavailable=NOT_YET)
    tallies = await pulse.tallies(session, [row.id for row in rows])
    surveys: dict[str, set[int]] = defaultdict(set)
    closed: dict[str, float] = defaultdict(float)
    invited: dict[str, float] = defaultdict(float)
    answered: dict[str, float] = defaultdict(float)
    trend: list[tuple[str, tuple[float | None, ...]]] = []
    for row in rows:
        surveys[row.window].add(row.survey_id)
        closed[row.window] += 1
        invited[row.window] += row.invited
        answered[row.window] += row.answered
        trend.extend(_means(row, tallies[row.id]))
    figures = [
        pair(
            {k: len(v) for k, v in surveys.items()},
            "Surveys",
            "Surveys with a round closed in the period.",
        ),
        pair(closed, "Rounds closed", HOW_CLOSED),
        pair(invited, "Invited", "People invited to those rounds when each opened."),
        pair(
            answered,
            "Respondents",
            "People recorded as having answered those rounds (receipts, never the answers).",
        ),
        Figure(
            "Participation rate",
            rate(answered, invited, NOW),
            rate(answered, invited, BEFORE),
            "Respondents out of people invited, for the rounds closed in the period.",
            "%",
        ),
    ]
    tables = [
        Table(
            "Scale questions: mean by round",
            ("Mean",),
            trend,
            "The mean answer (1 to 5) to each scale question of each round closed in this "
            "period or the last, in order of closing. Rounds with fewer than "
            f"{anonymity.MIN_FOR_SCORES} answers are left out, as pulse results hide them.",
            chart="bars",
        )
    ]
    return Section("voice", "Voice", figures, tables)


def _means(row: Any, tallies: list[pulse.Tally]) -> list[tuple[str, tuple[float | None, ...]]]:
    """Each scale question's mean for one round, if the anonymity rule releases its scores."""
    total = sum(t.count for t in tallies if t.question == pulse.RESPONDENTS)
    released = anonymity.release(closed=True, answers=total, answered=row.answered)
    if not released.scores:
        return []
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in tallies:
        if t.question != pulse.RESPONDENTS and t.value.lstrip("-").isdigit():
            sums[t.question][0] += int(t.value) * t.count
            sums[t.question][1] += t.count
    found: list[tuple[str, tuple[float | None, ...]]] = []
    for question in row.questions:
        key = question.get("key")
        if question.get("kind") == SCALE and sums.get(key, [0, 0])[1]:
            value, count = sums[key]
            label = f"{row.title}, round {row.number}: {question.get('prompt', key)}"
            found.append((label, (round(value / count, 2),)))
    return found
