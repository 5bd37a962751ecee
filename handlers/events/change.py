"""`event edit` and `event cancel`: changes reach everyone who answered.

A sent event keeps its calendar UID; each change or a cancellation bumps its
SEQUENCE, so calendars update the entry they already have. Raising the number
of places moves people up from the waitlist, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.inbound import FormSubmission
from bot.outbox import Queued
from bot.settings import Settings
from bot.ui import Actions, Button, Confirm, Message, Section
from handlers.events.card import notice
from handlers.events.common import (
    CANCELLED,
    CHANGED,
    ByZone,
    at_where,
    managed,
    pick_managed,
    plural,
    when,
    zone_of,
)
from handlers.events.form import event_form, parse
from handlers.events.router import router
from handlers.events.rsvp import promotion_notices
from store.events import queries as store
from store.events.models import Event

EDITABLE = ("draft", "sent")


@router.command(
    "event", "edit", summary="Change an event you announced (champions)", shown_to="champion"
)
async def edit(ctx: Context, args: str) -> None:
    event = await pick_managed(ctx, args, "event.edit", "change", EDITABLE)
    if event is not None:
        await open_change_form(ctx, event)


@router.action("event.edit")
async def edit_button(ctx: Context, value: str) -> None:
    event = await managed(ctx, value)
    if event is not None:
        await open_change_form(ctx, event)


async def open_change_form(ctx: Context, event: Event) -> None:
    if event.status == "cancelled":
        ctx.reply("That event was cancelled, so it can't be changed.")
    elif event.ends_at <= ctx.now():
        ctx.reply("That event is over, so it can't be changed.")
    elif event.status == "draft":  # not sent yet: the full form, back to a preview
        ctx.open_form(await event_form(ctx, form_id="event.new", state=str(event.id), event=event))
    else:
        ctx.open_form(await event_form(ctx, form_id="event.edit", state=str(event.id), event=event))


@router.form("event.edit")
async def save_changes(ctx: Context, submitted: FormSubmission) -> None:
    event = await managed(ctx, submitted.state)
    if event is None:
        return
    if event.status != "sent" or event.ends_at <= ctx.now():
        ctx.reply("That event can't be changed any more — it was cancelled or is over.")
        return
    form = await event_form(ctx, form_id="event.edit", state=submitted.state, event=event)
    parsed = parse(ctx, form, submitted)
    if ctx.errors_shown(form, submitted, parsed.errors):
        return
    await store.locked(ctx.session, event.id)  # RSVPs wait while places change
    before = _snapshot(event)
    for name, value in parsed.fields.items():
        setattr(event, name, value)
    changes = what_changed(before, _snapshot(event), ctx)
    if not changes:
        ctx.reply("Nothing changed, so I haven't told anyone.")
        return
    now = ctx.now()
    event.sequence += 1
    event.updated_at = now
    if event.starts_at != before["starts_at"]:  # reminders follow the new time
        event.reminded_day_at = event.reminded_hour_at = None
    await ctx.session.flush()
    promoted = await store.promote(ctx.session, event, now)
    await ctx.notify_many(await promotion_notices(ctx.session, ctx.settings, event, promoted))
    told = await ctx.notify_many(
        await notices_to_everyone_who_answered(
            ctx.session,
            ctx.settings,
            event,
            CHANGED,
            lambda zone: _changed_text(event, changes, zone),
        )
    )
    ctx.reply(
        f"Saved: {'; '.join(changes)}. I've told the {plural(told, 'person', 'people')} "
        "who answered, and the calendar file is updated."
    )


def _snapshot(event: Event) -> dict[str, Any]:
    return {
        name: getattr(event, name)
        for name in (
            "title",
            "description",
            "starts_at",
            "ends_at",
            "location",
            "online_url",
            "capacity",
            "rsvp_deadline",
        )
    }


def what_changed(before: dict[str, Any], after: dict[str, Any], ctx: Context) -> list[str]:
    """Short phrases for the champion's confirmation."""
    labels = {
        "title": "new title",
        "description": "new description",
        "location": "new place",
        "online_url": "new online link",
        "rsvp_deadline": "new reply-by date",
    }
    changes = []
    if (before["starts_at"], before["ends_at"]) != (after["starts_at"], after["ends_at"]):
        changes.append(f"the new time is {ctx.local(after['starts_at']):%A %-d %B, %H:%M}")
    if before["capacity"] != after["capacity"]:
        changes.append(f"places are now {after['capacity'] or 'unlimited'}")
    changes += [label for name, label in labels.items() if before[name] != after[name]]
    return changes


def _changed_text(event: Event, changes: list[str], zone: ZoneInfo) -> str:
    return (
        f"“{event.title}” has changed ({', '.join(changes)}). It's now {when(event, zone)}, "
        f"{at_where(event)}. Your answer stands — change it below if you need to."
    )


async def notices_to_everyone_who_answered(
    session: AsyncSession,
    settings: Settings,
    event: Event,
    kind: str,
    text_for: Callable[[ZoneInfo], str],
) -> list[Queued]:
    """One message per member who answered, in their own timezone; keyed by the change."""
    answers = ("going", "maybe", "not_going") if kind != CANCELLED else ()
    message_for = ByZone(settings, lambda zone: notice(event, settings, text_for(zone), *answers))
    return [
        Queued(
            f"{kind}:{event.id}:{event.sequence}:{member_id}",
            kind,
            message_for(zone_name),
            member_id=member_id,
        )
        for member_id, zone_name in await store.answered_by(session, event.id)
    ]


# --- cancelling ---------------------------------------------------------------------------------


@router.command(
    "event", "cancel", summary="Cancel an event you announced (champions)", shown_to="champion"
)
async def cancel(ctx: Context, args: str) -> None:
    event = await pick_managed(ctx, args, "event.cancel_ask", "cancel", EDITABLE)
    if event is not None:
        await ask_to_cancel(ctx, event)


@router.action("event.cancel_ask")
async def cancel_button(ctx: Context, value: str) -> None:
    event = await managed(ctx, value)
    if event is not None:
        await ask_to_cancel(ctx, event)


async def ask_to_cancel(ctx: Context, event: Event) -> None:
    if event.status == "draft":
        ctx.reply(
            Message(
                text=f"“{event.title}” hasn't been sent. Discard the draft?",
                blocks=[
                    Section(text=f"“{event.title}” hasn't been sent. Discard the draft?"),
                    Actions(
                        buttons=[
                            Button(
                                label="Discard",
                                action_id="event.discard",
                                value=str(event.id),
                                style="danger",
                            )
                        ]
                    ),
                ],
            )
        )
        return
    if event.status == "cancelled":
        ctx.reply("That event is already cancelled.")
        return
    counts = await store.counts(ctx.session, event.id)
    answered = sum(counts.values())
    text = (
        f"Cancel “{event.title}” ({ctx.local(event.starts_at):%A %-d %B})? I'll tell the "
        f"{plural(answered, 'person', 'people')} who answered."
    )
    button = Button(
        label="Cancel the event",
        action_id="event.cancel",
        value=str(event.id),
        style="danger",
        confirm=Confirm(
            title="Cancel this event?",
            text="Everyone who answered will be told. This can't be undone.",
            confirm="Cancel it",
            deny="Keep it",
        ),
    )
    ctx.reply(Message(blocks=[Section(text=text), Actions(buttons=[button])]))


@router.action("event.cancel")
async def confirm_cancel(ctx: Context, value: str) -> None:
    event = await managed(ctx, value)
    if event is None:
        return
    if not await store.mark_cancelled(ctx.session, event.id, ctx.now()):
        await ctx.session.refresh(event)
        ctx.reply(
            "That event is already cancelled."
            if event.status == "cancelled"
            else "That event hasn't been sent — discard the draft instead."
        )
        return
    await ctx.session.refresh(event)
    told = await ctx.notify_many(
        await notices_to_everyone_who_answered(
            ctx.session, ctx.settings, event, CANCELLED, lambda zone: _cancelled_text(event, zone)
        )
    )
    await ctx.notify_many(await _channel_notices(ctx.session, ctx.settings, event))
    ctx.update(
        f"Cancelled “{event.title}”. I've told the {plural(told, 'person', 'people')} "
        "who answered, and the calendar file now "
        "shows it as cancelled."
    )


def _cancelled_text(event: Event, zone: ZoneInfo) -> str:
    return (
        f"Sorry — “{event.title}” on {when(event, zone)} has been cancelled. "
        "If you added it to your calendar, you can delete it there."
    )


async def _channel_notices(session: AsyncSession, settings: Settings, event: Event) -> list[Queued]:
    zone = zone_of(settings, None)
    message = notice(event, settings, _cancelled_text(event, zone), calendar=False)
    return [
        Queued(f"{CANCELLED}:{event.id}:channel:{channel}", CANCELLED, message, channel_id=channel)
        for channel in await store.told_channels(session, event.id)
    ]
