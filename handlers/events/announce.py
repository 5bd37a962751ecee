"""`event new`: a champion fills the form, sees a preview with its reach, and presses Send.

The event is saved as a draft for the preview. Send turns the draft into a sent
event once (a conditional update, so pressing Send twice sends once) and, in the
same transaction, queues one outbox row per recipient with a unique key and one
ledger row beside it. A restart mid-way resumes from the outbox; nobody gets two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.inbound import FormSubmission
from bot.outbox import Queued
from bot.settings import Settings
from bot.ui import Actions, Button, Confirm, Hint, Message, Section
from handlers.audience import Reach, audience_words, channel_label, reach_of
from handlers.events.card import announcement
from handlers.events.common import (
    BROADCAST,
    ByZone,
    managed,
    organiser_or_refuse,
    plural,
)
from handlers.events.form import event_form, parse
from handlers.events.router import router
from store import audience as reach
from store import members
from store.events import queries as store
from store.events.models import Event
from store.models import Member


@router.command(
    "event",
    "new",
    summary="Announce a hub event (champions)",
    example="event new",
    shown_to="champion",
)
async def new(ctx: Context, args: str) -> None:
    if organiser_or_refuse(ctx):
        ctx.open_form(await event_form(ctx, form_id="event.new"))


@router.form("event.new")
async def save_draft(ctx: Context, submitted: FormSubmission) -> None:
    """A new event, or changes to a draft (the form's state names it)."""
    draft = None
    if submitted.state:
        draft = await managed(ctx, submitted.state)
        if draft is None:
            return
        if draft.status != "draft":
            ctx.reply("That event has already been sent. Type event edit to change it.")
            return
    elif not organiser_or_refuse(ctx):
        return
    form = await event_form(ctx, form_id="event.new", state=submitted.state, event=draft)
    parsed = parse(ctx, form, submitted)
    if ctx.errors_shown(form, submitted, parsed.errors):
        return
    now = ctx.now()
    if draft is None:
        draft = store.new_event(ctx.member.id, now, **parsed.fields)
        ctx.session.add(draft)
    else:
        for name, value in parsed.fields.items():
            setattr(draft, name, value)
        draft.updated_at = now
    await ctx.session.flush()
    ctx.reply(await preview(ctx, draft))


# --- the preview ----------------------------------------------------------------------------


async def preview(ctx: Context, event: Event) -> Message:
    reach = await reach_of(ctx.session, event.audience)
    card = announcement(event, ctx.timezone, ctx.settings, ctx.member.display_name, preview=True)
    who = await audience_words(ctx.session, event.audience)
    summary = f"This will reach {reach.words()} ({who}), on whichever platform each uses."
    if reach.channels:
        summary += " Channels: " + ", ".join(reach.channels) + "."
    blocks = [Section(text="Here's your announcement as members will see it:"), *card.blocks]
    blocks.append(Section(text=summary))
    limit = await over_daily_limit(ctx, event)
    if limit:
        blocks.append(Hint(text=limit))
    value = str(event.id)
    send = Button(
        label="Send",
        action_id="event.send",
        value=value,
        style="primary",
        confirm=Confirm(
            title="Send this announcement?",
            text=f"It goes to {reach.words()} now, and can't be unsent.",
            confirm="Yes, send it",
            deny="Not yet",
        ),
    )
    blocks.append(
        Actions(
            buttons=[
                send,
                Button(label="Edit", action_id="event.edit", value=value),
                Button(label="Discard", action_id="event.discard", value=value, style="danger"),
            ]
        )
    )
    return Message(text=" ".join([f"Preview: {event.title}.", summary, limit or ""]), blocks=blocks)


async def over_daily_limit(ctx: Context, event: Event) -> str | None:
    """Why a network-wide announcement may not go today, or None."""
    if not event.network_wide:
        return None
    allowed = ctx.settings.benchmate_broadcasts_per_day
    sent = await store.network_broadcasts_since(
        ctx.session, ctx.member.id, ctx.now() - timedelta(days=1)
    )
    if sent < allowed:
        return None
    return (
        f"You've sent {plural(sent, 'network-wide announcement')} in the last "
        f"24 hours, the most allowed ({allowed}), so this one can't go to everyone today. "
        "Choose institutions or interests instead, or try again tomorrow."
    )


# --- sending ------------------------------------------------------------------------------------


@router.action("event.send")
async def send(ctx: Context, value: str) -> None:
    event = await managed(ctx, value)
    if event is None:
        return
    if event.status != "draft":
        ctx.reply(already(event))
        return
    if event.starts_at <= ctx.now():
        ctx.reply("That event's start time has passed. Press Edit to give it a new time first.")
        return
    if event.network_wide:
        await members.hold_member(ctx.session, ctx.member.id)  # count and send as one
    limit = await over_daily_limit(ctx, event)
    if limit:
        ctx.reply(limit)
        return
    if not await store.mark_sent(ctx.session, event.id, ctx.now()):
        await ctx.session.refresh(event)
        ctx.reply(already(event))
        return
    await ctx.session.refresh(event)
    champion = await ctx.session.get(Member, event.champion_id) if event.champion_id else None
    fan_out = await broadcast(
        ctx.session, ctx.settings, event, champion.display_name if champion else "A champion"
    )
    await ctx.notify_many(fan_out.messages)
    await fan_out.record(ctx.session)
    reach = fan_out.reach
    await ctx.audit(
        "broadcast.send",
        subject=f"event:{event.id}",
        detail={"title": event.title, "reach": reach.members, "channels": len(reach.channels)},
    )
    await store.drop_abandoned_drafts(ctx.session, event.champion_id, event.title, event.id)
    text = f"Sent! “{event.title}” is on its way to {fan_out.reach.words()}."
    watch = Button(label="Watch deliveries and answers", action_id="event.status", value=value)
    ctx.update(Message(blocks=[Section(text=text), Actions(buttons=[watch])]))


def already(event: Event) -> str:
    if event.status == "cancelled":
        return "That event was cancelled, so it can't be sent."
    return "That announcement has already been sent — type event status to follow it."


@dataclass(frozen=True)
class FanOut:
    """An announcement for everyone it reaches now: one message per member (never per
    identity) and per channel, each with a unique key, so queueing it again (a re-run,
    a retried press) adds nobody; and the ledger rows that sit beside those messages."""

    event: Event
    messages: list[Queued]
    members: list[int]
    channels: list[int]
    reach: Reach

    async def record(self, session: AsyncSession) -> None:
        """The ledger rows, in the transaction that queued the messages."""
        await store.record_deliveries(session, self.event.id, self.members, self.channels)
        self.event.reach = len(self.members)


async def broadcast(
    session: AsyncSession, settings: Settings, event: Event, champion: str
) -> FanOut:
    """The announcement for everyone it reaches now (queue it with `ctx.notify_many`)."""
    members = await reach.audience(session, event.audience)
    channels = await reach.channels(session, event.audience.get("channels") or [])
    card_for = ByZone(settings, lambda zone: announcement(event, zone, settings, champion))
    queued = [
        Queued(
            store.broadcast_key(event.id, m.member_id),
            BROADCAST,
            card_for(m.timezone),
            member_id=m.member_id,
        )
        for m in members
    ]
    queued += [
        Queued(store.channel_post_key(event.id, c.id), BROADCAST, card_for(None), channel_id=c.id)
        for c in channels
    ]
    return FanOut(
        event,
        queued,
        [m.member_id for m in members],
        [c.id for c in channels],
        Reach(len(members), [channel_label(c.name, c.platform) for c in channels]),
    )


# --- dropping a draft ---------------------------------------------------------------


@router.action("event.discard")
async def discard(ctx: Context, value: str) -> None:
    event = await managed(ctx, value)
    if event is None:
        return
    if event.status != "draft":
        ctx.reply("That event has been sent, so it can't be discarded. Type event cancel instead.")
        return
    await ctx.session.delete(event)
    ctx.update(f"Discarded the draft “{event.title}”. Nothing was sent.")
