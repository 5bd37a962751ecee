"""`nominate export`: a CSV per category (the ranking, scores and statements) and a
submission pack per shortlisted nominee (PDF: statement, supporting statements, the
nominee's facts), each behind an unguessable link that expires, for the coordinator."""

from __future__ import annotations

import csv
import io

from bot import files
from bot.context import Context
from bot.forms import word_count
from bot.ui import Actions, Block, Button, Heading, Hint, Message, Section
from handlers.nominations.common import managed, pick_managed
from handlers.nominations.documents import PackOf, submission_pack
from handlers.nominations.router import router
from handlers.text import plural
from store.nominations import queries as store
from store.nominations.models import Category, Drive
from store.nominations.queries import Ranked

COLUMNS = [
    "rank",
    "tied",
    "nominee",
    "institution",
    "nominator",
    "supporting statements",
    "mean score",
    "spread",
    "scores",
    "shortlisted",
    "winner",
    "statement words",
    "statement",
]


@router.command(
    "nominate",
    "export",
    summary="A CSV per category and a submission pack per shortlisted nominee",
    example="nominate export",
    shown_to="coordinator",
)
async def export(ctx: Context, args: str) -> None:
    drive = await pick_managed(ctx, args, "nominate.export", "export", ("open", "closed"))
    if drive is not None:
        ctx.reply(await exported(ctx, drive))


@router.action("nominate.export")
async def export_picked(ctx: Context, value: str) -> None:
    drive = await managed(ctx, value)
    if drive is not None:
        ctx.reply(await exported(ctx, drive))


async def exported(ctx: Context, drive: Drive) -> Message:
    blocks: list[Block] = [Heading(text=f"{drive.title}: exports")]
    spreadsheets, packs = [], []
    for found in drive.categories:
        entries = await store.ranked(ctx.session, found)
        names = await store.names_of(
            ctx.session,
            [e.nomination.nominator_id or 0 for e in entries]
            + [s.supporter_id for e in entries for s in e.nomination.supports],
        )
        data = category_csv(entries, names)
        published = await ctx.publish_file(
            data, f"{drive.title}-{found.name}.csv", files.CSV, owner_id=ctx.member.id
        )
        spreadsheets.append(
            Button(label=f"{found.name} (CSV)"[:75], action_id="nominate.file", url=published.url)
        )
        for entry in entries:
            if entry.nomination.shortlisted:
                pdf = submission_pack(pack_of(ctx, drive, found, entry, names))
                published = await ctx.publish_file(
                    pdf, f"{drive.title}-{entry.nominee}.pdf", files.PDF, owner_id=ctx.member.id
                )
                packs.append(
                    Button(
                        label=f"{entry.nominee} (PDF)"[:75],
                        action_id="nominate.file",
                        url=published.url,
                    )
                )
    blocks += [Section(text="One spreadsheet per category:"), Actions(buttons=spreadsheets)]
    if packs:
        blocks += [Section(text="Submission packs for the shortlist:"), Actions(buttons=packs)]
    else:
        blocks.append(
            Section(
                text="No one is shortlisted yet, so there are no packs. Type "
                "nominate shortlist to choose."
            )
        )
    blocks.append(Hint(text="The links work for 30 days, for whoever holds them: share with care."))
    text = (
        f"{drive.title}: {plural(len(spreadsheets), 'spreadsheet')} and "
        f"{plural(len(packs), 'submission pack')} ready."
    )
    return Message(text=text, blocks=blocks)


def category_csv(entries: list[Ranked], names: dict[int, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        n = e.nomination
        writer.writerow(
            [
                e.rank,
                "yes" if e.tied else "",
                e.nominee,
                e.institution,
                names.get(n.nominator_id or 0, ""),
                len(n.supports),
                f"{float(e.mean):.2f}" if e.mean is not None else "",
                f"{float(e.spread):.2f}" if e.spread is not None else "",
                len(e.means),
                "yes" if n.shortlisted else "",
                "yes" if n.winner else "",
                word_count(n.statement),
                n.statement,
            ]
        )
    return out.getvalue().encode("utf-8-sig")  # a spreadsheet opens it with the right letters


def pack_of(
    ctx: Context, drive: Drive, found: Category, entry: Ranked, names: dict[int, str]
) -> PackOf:
    n = entry.nomination
    return PackOf(
        award=drive.title,
        category=found.name,
        nominee=entry.nominee,
        institution=entry.institution,
        nominator=names.get(n.nominator_id or 0, "a colleague"),
        statement=n.statement,
        supporting=[(names.get(s.supporter_id, "a colleague"), s.statement) for s in n.supports],
        facts=n.facts,
        network=ctx.settings.benchmate_network_name,
    )
