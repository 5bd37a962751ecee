"""`pulse results`: each closed round as charts with a table beside them — a bar per
answer of each question, means by institution or role where the anonymity rule allows,
the trend of each scored question across rounds — and the comments, only from ten, with
nothing that narrows who wrote them. Open rounds show nothing until they close.

The charts are PNGs drawn on the server (bot/charts.py) and published behind an
unguessable link (bot/files.py); the console prints the tables.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot import anonymity, charts, files
from bot.context import Context
from bot.ui import Actions, Block, Button, Fields, Heading, Hint, Image, Message, Section
from handlers.pulse import questions
from handlers.pulse.breakdown import EVERYONE, ROLE_LABELS, Group, Sealed, View, mean, rows_of
from handlers.pulse.common import (
    STALE,
    as_id,
    coordinator_or_refuse,
    day,
    plural,
    run_by_asker,
)
from handlers.pulse.router import router
from store.pulse import queries as store
from store.pulse.models import PulseRound, PulseSurvey

SCORED = ("scale", "likely")
MAX_PICK = 10
TOO_FEW = f"fewer than {anonymity.MIN_FOR_SCORES} answers — hidden"
PROTECTS = "hidden so a smaller group can't be worked out"


@router.command(
    "pulse",
    "results",
    summary="Results of your surveys' closed rounds, as charts (coordinators)",
    example="pulse results",
    shown_to="coordinator",
)
async def results(ctx: Context, args: str) -> None:
    survey = await pick_survey(ctx, args, "pulse.results")
    if survey is not None:
        ctx.reply(await results_message(ctx, survey, None, View()))


async def pick_survey(ctx: Context, args: str, action_id: str) -> PulseSurvey | None:
    """The asker's one survey (narrowed by words of its title), or buttons to choose one."""
    if not coordinator_or_refuse(ctx):
        return None
    owner = None if ctx.has_role("admin") else ctx.member.id
    found = await store.surveys_run_by(ctx.session, owner)
    words = args.strip().lower()
    if words:
        found = [s for s in found if words in s.title.lower()] or found
    if len(found) == 1:
        return found[0]
    if not found:
        ctx.reply("You haven't sent any pulse surveys yet. Type pulse new to set one up.")
        return None
    question = "Which survey?"
    buttons = [
        Button(label=s.title[:60], action_id=action_id, value=str(s.id)) for s in found[:MAX_PICK]
    ]
    ctx.reply(Message(text=question, blocks=[Section(text=question), Actions(buttons=buttons)]))
    return None


@router.action("pulse.results")
async def results_button(ctx: Context, value: str) -> None:
    """value: survey, or survey/round/view (a view code from breakdown.View)."""
    if not value:
        await results(ctx, "")
        return
    survey_part, _, rest = value.partition("/")
    round_part, _, view_part = rest.partition("/")
    view = View.parse(view_part) if rest else View()
    survey = await run_by_asker(ctx, survey_part)
    if survey is None:
        return
    chosen = None
    if round_part:
        chosen = await store.round_of(ctx.session, as_id(round_part))
        if chosen is None or chosen.survey_id != survey.id:
            ctx.reply(STALE)
            return
    if view is None:
        ctx.reply(STALE)
        return
    ctx.reply(await results_message(ctx, survey, chosen, view))


# --- the message ------------------------------------------------------------------------


@dataclass
class Round:
    found: PulseRound
    sealed: Sealed
    shown: set[Group]
    comments: dict[str, list[str]]
    text: bool = False  # may its comments be shown?
    why_not: str = ""


async def sealed_rounds(ctx: Context, survey: PulseSurvey) -> list[Round]:
    """Each closed round with what the anonymity rule lets a coordinator see of it."""
    closed = await store.closed_rounds(ctx.session, survey.id)
    tallies = await store.tallies(ctx.session, [r.id for r in closed])
    found = []
    for this in closed:
        sealed = Sealed.of(tallies[this.id])
        comments = await store.comments(ctx.session, this.id)
        released = anonymity.release(
            closed=this.status == "closed",
            answers=sealed.total,
            answered=await store.receipts_count(ctx.session, this.id),
            comments=max((len(c) for c in comments.values()), default=0),
        )
        if not released.scores:
            why = f"{plural(sealed.total, 'person', 'people')} answered. {released.why_not}"
            found.append(Round(this, sealed, set(), comments, why_not=why))
        else:
            found.append(Round(this, sealed, sealed.shown(), comments, released.text))
    return found


async def results_message(
    ctx: Context, survey: PulseSurvey, chosen: PulseRound | None, view: View
) -> Message:
    rounds = await sealed_rounds(ctx, survey)
    blocks: list[Block] = [Heading(text=f"Pulse results: {survey.title}")]
    lines = [f"Pulse results: {survey.title}"]
    waiting = [r for r in await store.rounds_of(ctx.session, survey.id) if r.status != "closed"]
    if waiting:
        next_one = waiting[0]
        note = (
            f"Round {next_one.number} closes on {day(next_one.closes_at, ctx.timezone)}; "
            "its results appear then, never before."
            if next_one.status == "open"
            else f"Round {next_one.number} opens on {day(next_one.opens_at, ctx.timezone)}."
        )
        blocks.append(Hint(text=note))
        lines.append(note)
    if not rounds:
        text = "No round has closed yet, so there are no results to show."
        blocks.append(Section(text=text))
        return Message(text="\n".join([*lines, text]), blocks=blocks)
    this = next((r for r in rounds if chosen and r.found.id == chosen.id), rounds[-1])
    names = await store.institution_names(
        ctx.session, {i for r in rounds for i, _ in r.sealed.respondents}
    )
    label = Labels(names)
    heading = (
        f"Round {this.found.number} (closed {day(this.found.closes_at, ctx.timezone)}): "
        f"{plural(this.sealed.total, 'answer')} from "
        f"{plural(this.found.invited, 'person', 'people')} asked"
    )
    if view.within != EVERYONE or view.by:
        heading += f" — {label.view(view)}"
    blocks.append(Section(text=heading))
    lines.append(heading)
    if this.why_not:
        blocks.append(Section(text=this.why_not))
        lines.append(this.why_not)
    elif view.within not in this.shown:
        text = f"{label.group(view.within)}: {_hidden_why(this, view.within)}."
        blocks.append(Section(text=text))
        lines.append(text)
    else:
        for q in survey.questions:
            if q["kind"] != "text":
                made = await question_blocks(ctx, survey, this, q, view, label)
                blocks += made.blocks
                lines += made.lines
        if view == View():
            made = await comment_blocks(ctx, survey, this)
            blocks += made.blocks
            lines += made.lines
            made = await trend_blocks(ctx, survey, rounds)
            blocks += made.blocks
            lines += made.lines
    blocks.append(
        Hint(
            text=f"Scores show only for groups of {anonymity.MIN_FOR_SCORES} or more, and "
            f"comments only from {anonymity.MIN_FOR_TEXT}; some larger groups are hidden too, "
            "so no small group can be worked out from the others."
        )
    )
    blocks += view_buttons(survey, this, rounds, view, label)
    return Message(text="\n".join(lines), blocks=blocks)


@dataclass
class Made:
    blocks: list[Block]
    lines: list[str]


@dataclass
class Labels:
    institutions: dict[int, str]

    def group(self, group: Group) -> str:
        match group:
            case ("all",):
                return "Everyone"
            case ("i", i):
                return self.institutions.get(i, "No institution")
            case ("r", r):
                return ROLE_LABELS.get(r, r)
            case ("ir", i, r):
                return f"{ROLE_LABELS.get(r, r)} at {self.institutions.get(i, 'no institution')}"
        return "?"

    def view(self, view: View) -> str:
        words = "" if view.within == EVERYONE else self.group(view.within)
        if view.by:
            words = f"{words} by {view.by}".strip()
        return words


def _hidden_why(this: Round, group: Group) -> str:
    return TOO_FEW if this.sealed.size(group) < anonymity.MIN_FOR_SCORES else PROTECTS


async def _image(ctx: Context, chart: charts.Chart, name: str) -> Image:
    published = await ctx.publish_file(chart.png, name, files.PNG)
    return Image(url=published.url, alt=chart.alt)


async def question_blocks(
    ctx: Context, survey: PulseSurvey, this: Round, q: dict, view: View, label: Labels
) -> Made:
    sealed = this.sealed
    title = q["prompt"]
    rows = rows_of(sealed, view)
    base = f"pulse-{survey.id}-round{this.found.number}-{q['key']}"
    if not view.by:
        values = sealed.values(view.within, q["key"])
        options = questions.choices(q)
        labels = [o.label.split(" — ")[0] if q["kind"] in SCORED else o.label for o in options]
        counts = [values.get(o.value, 0) for o in options]
        pairs = [(o.label, str(n)) for o, n in zip(options, counts, strict=True)]
        if q["kind"] in SCORED:
            average = mean(values)
            pairs.insert(0, ("Average", f"{average:.1f}" if average is not None else "—"))
        chart = await asyncio.to_thread(
            charts.bar_chart, title, labels, counts, value_label="answers"
        )
        image = await _image(ctx, chart, f"{base}.png")
        lines = [title, *(f"  {a}: {b}" for a, b in pairs)]
        return Made([Heading(text=title), image, Fields(pairs=pairs)], lines)
    # A breakdown: the average (scored) or the most chosen answer, per group that may show.
    pairs = []
    shown_labels, shown_means = [], []
    for group in rows[1:]:
        if sealed.size(group) == 0:
            continue
        name = label.group(group)
        if group not in this.shown:
            pairs.append((name, _hidden_why(this, group)))
            continue
        values = sealed.values(group, q["key"])
        n = sealed.size(group)
        if q["kind"] in SCORED:
            average = mean(values) or 0.0
            pairs.append((name, f"average {average:.1f} ({plural(n, 'answer')})"))
            shown_labels.append(name)
            shown_means.append(round(average, 2))
        else:
            top = max(values.items(), key=lambda item: item[1], default=None)
            most = questions.label_of(q, top[0]) if top else "—"
            pairs.append((name, f"most chose {most} ({plural(n, 'answer')})"))
    blocks: list[Block] = [Heading(text=title)]
    if shown_labels:
        chart = await asyncio.to_thread(
            charts.bar_chart,
            f"{title} — average by {view.by}",
            shown_labels,
            shown_means,
            value_label="average",
            horizontal=True,
        )
        blocks.append(await _image(ctx, chart, f"{base}-by-{view.by}.png"))
    blocks.append(Fields(pairs=pairs))
    return Made(blocks, [title, *(f"  {a}: {b}" for a, b in pairs)])


async def comment_blocks(ctx: Context, survey: PulseSurvey, this: Round) -> Made:
    """The comments, in the random order they were sealed in, with no attribute at all."""
    blocks: list[Block] = []
    lines: list[str] = []
    for q in survey.questions:
        if q["kind"] != "text":
            continue
        said = this.comments.get(q["key"], [])
        blocks.append(Heading(text=q["prompt"]))
        lines.append(q["prompt"])
        if this.text and anonymity.can_show(len(said), "text"):
            text = "\n".join(f"“{c}”" for c in said)
            blocks.append(Section(text=text))
        else:
            text = (
                f"{plural(len(said), 'comment')} — comments are shown from "
                f"{anonymity.MIN_FOR_TEXT}, so nobody can be recognised by what they wrote."
            )
            blocks.append(Hint(text=text))
        lines.append(text)
    return Made(blocks, lines)


async def trend_blocks(ctx: Context, survey: PulseSurvey, rounds: list[Round]) -> Made:
    scored = [q for q in survey.questions if q["kind"] in SCORED]
    if len(rounds) < 2 or not scored:
        return Made([], [])
    x = [f"Round {r.found.number}" for r in rounds]
    series: dict[str, list[float | None]] = {}
    pairs = []
    for n, q in enumerate(scored, 1):
        points = [
            round(mean(r.sealed.values(EVERYONE, q["key"])) or 0, 2)
            if EVERYONE in r.shown
            else None
            for r in rounds
        ]
        series[f"Q{n} ({q['kind']})"] = points
        shown = ", ".join("—" if p is None else f"{p:.1f}" for p in points)
        pairs.append((f"Q{n}: {q['prompt'][:60]}", shown))
    chart = await asyncio.to_thread(
        charts.line_chart, "Average across rounds", x, series, value_label="average"
    )
    image = await _image(ctx, chart, f"pulse-{survey.id}-trend.png")
    lines = ["Average across rounds (" + ", ".join(x) + ")", *(f"  {a}: {b}" for a, b in pairs)]
    return Made([Heading(text="Across rounds"), image, Fields(pairs=pairs)], lines)


def view_buttons(
    survey: PulseSurvey, this: Round, rounds: list[Round], view: View, label: Labels
) -> list[Block]:
    def to(found: PulseRound, target: View) -> str:
        return f"{survey.id}/{found.id}/{target.code()}"

    buttons = []
    for target, name in (
        (View(), "Everyone"),
        (View("institution"), "By institution"),
        (View("role"), "By role"),
    ):
        if target != view and not this.why_not:
            buttons.append(
                Button(label=name, action_id="pulse.results", value=to(this.found, target))
            )
    if view.by and view.within == EVERYONE and not this.why_not:
        # Drill into one shown group: its breakdown by the other dimension.
        other = "role" if view.by == "institution" else "institution"
        for group in rows_of(this.sealed, view)[1:]:
            if group in this.shown and len(buttons) < 8:
                buttons.append(
                    Button(
                        label=f"{label.group(group)[:40]} by {other}",
                        action_id="pulse.results",
                        value=to(this.found, View(other, group)),
                    )
                )
    for r in rounds:
        if r.found.id != this.found.id:
            buttons.append(
                Button(
                    label=f"Round {r.found.number}",
                    action_id="pulse.results",
                    value=to(r.found, View()),
                )
            )
    buttons.append(Button(label="Export CSV", action_id="pulse.export", value=str(survey.id)))
    return [Actions(buttons=buttons[:25])]
