"""Announce: the drive opens for nominations and goes to its audience, as events do.

Announce turns the draft into an open drive once (a conditional update: pressing it
twice announces once) and, in the same transaction, queues one outbox row per member
reached and per channel, each with a unique key, so a restart mid-way sends nobody
two. The announcement carries **Nominate a colleague**.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.outbox import Queued
from bot.quiet_hours import zone_named
from bot.settings import Settings
from bot.ui import Actions, Block, Button, Heading, Hint, Message, Section
from handlers.audience import Reach, channel_label
from handlers.nominations.common import ANNOUNCE, day, managed
from handlers.nominations.router import router
from store import audience as reach
from store.nominations import queries as store
from store.nominations.models import Drive
from store.types import RawJSON


@router.action("nominate.announce")
async def announce(ctx: Context, value: str) -> None:
    drive = await managed(ctx, value)
    if drive is None:
        return
    if drive.status != "draft":
        ctx.reply("That drive has already been announced — type nominate status to follow it.")
        return
    if not drive.categories:
        ctx.reply(
            "A drive needs at least one category before it can be announced. "
            "Press Add a category on the preview."
        )
        return
    if drive.internal_deadline <= ctx.now():
        ctx.reply("Its nominations deadline has passed. Press Edit to give it new dates first.")
        return
    opened = await store.mark_announced(ctx.session, drive.id, ctx.now())
    await ctx.session.refresh(drive)
    if not opened:
        ctx.reply("That drive has already been announced — type nominate status to follow it.")
        return
    queued, reach = await broadcast(ctx.session, ctx.settings, drive)
    await ctx.notify_many(queued)
    ctx.update(
        f"Announced! “{drive.title}” is open for nominations and on its way to "
        f"{reach.words()}. Type nominate status to follow it."
    )


def announcement(drive: Drive, zone: ZoneInfo) -> Message:
    """What members see: the award, its categories, the deadline, and the button."""
    text = (
        f"Nominations are open for {drive.title}. Know a colleague whose work deserves to "
        f"be seen? Nominate them by {day(drive.internal_deadline, zone)}."
    )
    blocks: list[Block] = [Heading(text=drive.title), Section(text=text)]
    if drive.award:
        blocks.append(Section(text=drive.award))
    blocks.append(
        Section(text="Categories: " + ", ".join(found.name for found in drive.categories) + ".")
    )
    blocks.append(
        Actions(
            buttons=[
                Button(
                    label="Nominate a colleague",
                    action_id="nominate.start",
                    value=str(drive.id),
                    style="primary",
                )
            ]
        )
    )
    blocks.append(Hint(text="Many winners never thought themselves worthy: a few words help."))
    return Message(text=text, blocks=blocks)


async def broadcast(
    session: AsyncSession, settings: Settings, drive: Drive
) -> tuple[list[Queued], Reach]:
    """The announcement for everyone it reaches now, one keyed message each (queued again,
    nobody gets two), and the reach."""
    members = await reach.audience(session, drive.audience)
    channels = await reach.channels(session, drive.audience.get("channels") or [])
    built: dict[str, RawJSON] = {}

    def card_for(zone_name: str | None) -> RawJSON:
        zone = zone_named(zone_name, settings.benchmate_timezone)
        if zone.key not in built:
            built[zone.key] = RawJSON(announcement(drive, zone).model_dump_json())
        return built[zone.key]

    queued = [
        Queued(
            f"{ANNOUNCE}:{drive.id}:{m.member_id}",
            ANNOUNCE,
            card_for(m.timezone),
            member_id=m.member_id,
        )
        for m in members
    ]
    queued += [
        Queued(f"{ANNOUNCE}:{drive.id}:channel:{c.id}", ANNOUNCE, card_for(None), channel_id=c.id)
        for c in channels
    ]
    drive.reach = len(members)
    return queued, Reach(len(members), [channel_label(c.name, c.platform) for c in channels])
