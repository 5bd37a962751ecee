"""`event list` and the dashboard: upcoming events open to you, with your answer."""

from __future__ import annotations

from bot.context import Context
from bot.ui import Actions, Block, Button, Heading, Message, Section
from handlers.events.common import (
    ANSWER_LABELS,
    calendar_button,
    is_organiser,
    rsvp_buttons,
    when,
    where,
)
from handlers.events.router import router
from store.events import queries as store

SHOWN = 10


@router.command("event", summary="Upcoming events open to you", example="event")
async def overview(ctx: Context, args: str) -> None:
    if args.strip():
        ctx.reply("I don't know that events command. Type help event to see them all.")
        return
    await listing(ctx, args)


@router.command("event", "list", summary="Upcoming events open to you, with your answer")
async def listing(ctx: Context, args: str) -> None:
    found = await store.open_to(ctx.session, ctx.member, ctx.now(), limit=SHOWN)
    if not found:
        ctx.reply(
            "There are no upcoming events open to you just now. "
            "I'll tell you when one is announced."
        )
        return
    blocks: list[Block] = [Heading(text="Upcoming events")]
    lines = []
    for event in found:
        mine = await store.rsvp_of(ctx.session, event.id, ctx.member.id)
        answer = ANSWER_LABELS[mine.answer] if mine else "Not answered yet"
        line = f"{event.title}\n{when(event, ctx.timezone)} · {where(event)}\nYour answer: {answer}"
        lines.append(line)
        blocks.append(Section(text=line))
        blocks.append(Actions(buttons=[*rsvp_buttons(event), calendar_button(ctx.settings, event)]))
    if is_organiser(ctx):
        own = Button(label="Your own events", action_id="event.status", value="")
        blocks.append(Section(text="Events you announce: deliveries and answers.", button=own))
    ctx.reply(Message(text="Upcoming events\n" + "\n\n".join(lines), blocks=blocks))


@router.home_section(40)
async def dashboard(ctx: Context) -> list[Block]:
    """Upcoming events you're going to (or waiting for a place at)."""
    found = await store.going_to(ctx.session, ctx.member.id, ctx.now())
    upcoming = Button(label="Upcoming events", action_id="event.list")
    if not found:
        return [Section(text="Events: see what's coming up, and answer.", button=upcoming)]
    blocks: list[Block] = [Heading(text="Events you're going to")]
    for event, answer in found:
        status = "" if answer == "going" else " (on the waitlist)"
        blocks.append(
            Section(
                text=f"{event.title}{status}\n{when(event, ctx.timezone)} · {where(event)}",
                button=calendar_button(ctx.settings, event),
            )
        )
    blocks.append(Actions(buttons=[upcoming]))
    return blocks


@router.action("event.list")
async def listing_button(ctx: Context, value: str) -> None:
    await listing(ctx, "")
