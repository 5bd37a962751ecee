"""`pulse export`: a CSV of aggregates only — every group the anonymity rule shows, per
closed round and question — never a row per person. Published behind an unguessable link."""

from __future__ import annotations

import csv
import io

from bot import files
from bot.context import Context
from bot.ui import Actions, Button, Message, Section
from handlers.pulse import questions
from handlers.pulse.breakdown import View, mean, rows_of
from handlers.pulse.common import plural, run_by_asker
from handlers.pulse.results import SCORED, Labels, pick_survey, sealed_rounds
from handlers.pulse.router import router
from store.pulse import queries as store
from store.pulse.models import PulseSurvey

COLUMNS = [
    "round",
    "closed",
    "breakdown",
    "group",
    "answers",
    "question",
    "average",
    "answer",
    "count",
]


@router.command(
    "pulse",
    "export",
    summary="A CSV of a survey's results, aggregates only (coordinators)",
    example="pulse export",
    shown_to="coordinator",
)
async def export(ctx: Context, args: str) -> None:
    survey = await pick_survey(ctx, args, "pulse.export")
    if survey is not None:
        ctx.reply(await export_message(ctx, survey))


@router.action("pulse.export")
async def export_button(ctx: Context, value: str) -> None:
    if not value:
        await export(ctx, "")
        return
    survey = await run_by_asker(ctx, value)
    if survey is not None:
        ctx.reply(await export_message(ctx, survey))


async def aggregates_csv(ctx: Context, survey: PulseSurvey) -> tuple[str, int]:
    rounds = await sealed_rounds(ctx, survey)
    names = await store.institution_names(
        ctx.session, {i for r in rounds for i, _ in r.sealed.respondents}
    )
    label = Labels(names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    written = 0
    for r in rounds:
        for view in (View(), View("institution"), View("role")):
            for group in rows_of(r.sealed, view)[0 if view == View() else 1 :]:
                if group not in r.shown:
                    continue
                n = r.sealed.size(group)
                for q in survey.questions:
                    if q["kind"] == "text":
                        continue
                    values = r.sealed.values(group, q["key"])
                    average = mean(values) if q["kind"] in SCORED else None
                    for option in questions.choices(q):
                        writer.writerow(
                            [
                                r.found.number,
                                r.found.closes_at.date().isoformat(),
                                view.by or "everyone",
                                _inert(label.group(group)),
                                n,
                                _inert(q["prompt"]),
                                "" if average is None else f"{average:.2f}",
                                _inert(option.label),
                                values.get(option.value, 0),
                            ]
                        )
                        written += 1
    return out.getvalue(), written


def _inert(text: str) -> str:
    """A spreadsheet must not run a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


async def export_message(ctx: Context, survey: PulseSurvey) -> Message:
    body, count = await aggregates_csv(ctx, survey)
    if count == 0:
        text = "There's nothing to export yet: no round has closed with enough answers to show."
        return Message(text=text, blocks=[Section(text=text)])
    name = f"pulse-{survey.id}-results.csv"
    published = await ctx.publish_file(body.encode(), name, files.CSV)
    text = (
        f"{name}: {plural(count, 'row')} of totals for “{survey.title}” — only the groups the "
        "results show, never anyone's own answers. The link works for 30 days."
    )
    return Message(
        text=f"{text}\n{published.url}",
        blocks=[
            Section(text=text),
            Actions(
                buttons=[
                    Button(label="Download CSV", action_id="pulse.download", url=published.url)
                ]
            ),
        ],
    )
