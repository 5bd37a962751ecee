"""`report [FROM TO] [institution NAME]`: the impact report for a lead's institution or,
for admins, the network or any institution; Download gives the evidence pack.

The story: read what was asked, check who may see it, count everything for the period
and the one before, draw a chart per section with something to draw, publish the
charts behind unguessable links, and answer with figures, charts, tables and how each
is counted. An empty period says so, with no charts.
"""

from __future__ import annotations

import asyncio
from datetime import date
from zoneinfo import ZoneInfo

from bot import files
from bot.charts import Chart
from bot.context import Context
from bot.ids import as_id
from bot.ui import Actions, Button, Image, Message, Section
from handlers.mentoring.evaluations import QUESTIONS
from handlers.report import access, asked, charts, pack, render
from handlers.report.access import Scope
from handlers.report.router import router
from store.report.build import build
from store.report.figures import Report
from store.report.period import Period

OPEN = "report.open"
STALE = "That button is from an older report. Type report to see the latest."


@router.command(
    "report",
    summary="Impact evidence for the Technician Commitment: events, mentoring, recognition, "
    "voice and reach, with charts and a downloadable pack",
    example="report 2025-08-01 2026-07-31 institution Northmoor",
    shown_to=access.LEAD,
)
async def show_report(ctx: Context, args: str) -> None:
    if not await access.may_report(ctx):
        return
    wanted = asked.read(args, _today(ctx))
    if isinstance(wanted, str):
        ctx.reply(wanted)
        return
    scope = await access.scope_for(ctx, wanted.institution)
    if scope is not None:
        await answer(ctx, wanted.period, scope)


@router.action(OPEN)
async def open_report(ctx: Context, value: str) -> None:
    """The digest's link: the report for the month it was about."""
    found = await _from_button(ctx, value)
    if found is not None:
        await answer(ctx, *found)


async def answer(ctx: Context, period: Period, scope: Scope) -> None:
    report = await report_for(ctx, period, scope)
    if report.empty:
        ctx.reply(render.empty(report))
        return
    drawn = await asyncio.to_thread(charts.draw, report)
    images = {key: await _image(ctx, key, chart) for key, chart in drawn.items()}
    ctx.reply(render.reply(report, images, button_value(period, scope)))


@router.action(render.DOWNLOAD)
async def download(ctx: Context, value: str) -> None:
    """The evidence pack: an XLSX workbook and a PDF, behind unguessable links."""
    found = await _from_button(ctx, value)
    if found is None:
        return
    report = await report_for(ctx, *found)
    workbook, document = await asyncio.to_thread(pack.both, report, _today(ctx))
    name = pack.file_stem(report)
    xlsx = await ctx.publish_file(workbook, f"{name}.xlsx", files.XLSX)
    pdf = await ctx.publish_file(document, f"{name}.pdf", files.PDF)
    text = (
        f"Your evidence pack for {report.scope}, {report.period.label()}: a workbook with a "
        "sheet per section (the numbers, the period and how each is counted) and a PDF to "
        f"attach to a self-assessment. The links work until {xlsx.expires_at:%-d %B %Y}."
    )
    ctx.reply(
        Message(
            text=f"{text}\n{xlsx.url}\n{pdf.url}",
            blocks=[
                Section(text=text),
                Actions(
                    buttons=[
                        Button(label="Workbook (XLSX)", action_id="report.xlsx", url=xlsx.url),
                        Button(label="PDF", action_id="report.pdf", url=pdf.url),
                    ]
                ),
            ],
        )
    )


async def report_for(ctx: Context, period: Period, scope: Scope) -> Report:
    return await build(
        ctx.session,
        period,
        zone=ZoneInfo(ctx.settings.benchmate_timezone),
        now=ctx.now(),
        institution=scope.institution,
        evaluation_questions=QUESTIONS,
    )


def button_value(period: Period, scope: Scope) -> str:
    where = str(scope.institution.id) if scope.institution else "network"
    return f"{period.start} {period.end} {where}"


async def _from_button(ctx: Context, value: str) -> tuple[Period, Scope] | None:
    """The period and scope a button names, re-checked against who is pressing it."""
    try:
        start, end, where = value.split()
        period = Period(date.fromisoformat(start), date.fromisoformat(end))
        institution_id = None if where == "network" else as_id(where)
        if where != "network" and institution_id is None:
            raise ValueError(where)
    except ValueError:
        ctx.reply(STALE)
        return None
    if not await access.may_report(ctx):
        return None
    scope = await access.scope_by_id(ctx, institution_id)
    return (period, scope) if scope is not None else None


async def _image(ctx: Context, key: str, chart: Chart) -> Image:
    published = await ctx.publish_file(chart.png, f"report-{key}.png", files.PNG)
    return Image(url=published.url, alt=chart.alt)


def _today(ctx: Context) -> date:
    return ctx.now().astimezone(ZoneInfo(ctx.settings.benchmate_timezone)).date()
