"""What every part of the events story shares: who may organise, finding an event, dates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.core import refusal
from bot.ids import as_id
from bot.quiet_hours import mark_urgent, zone_named
from bot.settings import Settings
from bot.ui import Actions, Button, Message, Section
from handlers.events.calendar import calendar_url
from handlers.text import plural  # noqa: F401  (re-exported for the events modules)
from store.events import queries as store
from store.events.models import Event
from store.types import RawJSON

# Outbox kinds. Time-critical ones may arrive outside office hours.
BROADCAST = "event.broadcast"
REMINDER_DAY = "event.reminder.day"
REMINDER_HOUR = "event.reminder.hour"
CHANGED = "event.changed"
CANCELLED = "event.cancelled"
PROMOTED = "event.promoted"
FEEDBACK = "event.feedback"
mark_urgent(REMINDER_HOUR, CHANGED, CANCELLED, PROMOTED)

STALE = "That button is from an older message and no longer works. Type event list to see events."
NOT_YOURS = "I can't find that event among the ones you look after. Type event status to see them."
ANSWER_LABELS = {
    "going": "Going",
    "maybe": "Maybe",
    "not_going": "Can't go",
    "waitlist": "On the waitlist",
}
MAX_PICK = 10


# --- who may organise -------------------------------------------------------------------


def is_organiser(ctx: Context) -> bool:
    """Champions and admins organise events; checked on the server, never from a button."""
    return ctx.has_role("champion") or ctx.has_role("admin")


def organiser_or_refuse(ctx: Context) -> bool:
    if is_organiser(ctx):
        return True
    ctx.reply(refusal("champion"))
    return False


def may_manage(ctx: Context, event: Event) -> bool:
    return ctx.has_role("admin") or (
        ctx.has_role("champion") and event.champion_id == ctx.member.id
    )


async def managed(ctx: Context, value: str) -> Event | None:
    """The event a button or form names, only if the asker may manage it."""
    if not organiser_or_refuse(ctx):
        return None
    event = await store.event(ctx.session, as_id(value))
    if event is None or not may_manage(ctx, event):
        ctx.reply(NOT_YOURS)
        return None
    return event


async def pick_managed(
    ctx: Context, args: str, action_id: str, verb: str, statuses: tuple[str, ...]
) -> Event | None:
    """The asker's one event (narrowed by words of its title), or buttons to choose one."""
    if not organiser_or_refuse(ctx):
        return None
    owner = None if ctx.has_role("admin") else ctx.member.id
    found = [
        event
        for event in await store.organised_by(ctx.session, owner, ctx.now())
        if event.status in statuses
    ]
    words = args.strip().lower()
    named = [event for event in found if words in event.title.lower()] if words else found
    if len(named) == 1:
        return named[0]
    if not found:
        ctx.reply(f"You have no events to {verb} just now. Type event new to announce one.")
        return None
    question = f"Which event would you like to {verb}?"
    if words and not named:
        question = (
            f"None of your events is called “{args.strip()[:60]}”. "
            f"Which of yours would you like to {verb}?"
        )
    buttons = [
        Button(
            label=f"{event.title[:40]} ({short_day(ctx, event)}"
            + (", draft not sent)" if event.status == "draft" else ")"),
            action_id=action_id,
            value=str(event.id),
        )
        for event in (named or found)[:MAX_PICK]
    ]
    ctx.reply(Message(blocks=[Section(text=question), Actions(buttons=buttons)]))
    return None


# --- dates and links ----------------------------------------------------------------------


def zone_of(settings: Settings, name: str | None) -> ZoneInfo:
    return zone_named(name, settings.benchmate_timezone)


@dataclass
class ByZone:
    """A message per reader's timezone, built and serialised once for everyone in that zone:
    queueing thousands then costs no more than queueing a handful."""

    settings: Settings
    build: Callable[[ZoneInfo], Message]
    built: dict[str, RawJSON] = field(default_factory=dict)

    def __call__(self, zone_name: str | None) -> RawJSON:
        zone = zone_of(self.settings, zone_name)
        if zone.key not in self.built:
            self.built[zone.key] = RawJSON(self.build(zone).model_dump_json())
        return self.built[zone.key]


def when(event: Event, zone: ZoneInfo) -> str:
    """ "Tuesday 10 March 2026, 14:00–16:00 GMT" in the reader's timezone."""
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    if start.date() == end.date():
        return f"{start:%A %-d %B %Y}, {start:%H:%M}–{end:%H:%M} {end.tzname()}"
    return f"{start:%A %-d %B %Y %H:%M} – {end:%A %-d %B %Y %H:%M} {end.tzname()}"


def short_day(ctx: Context, event: Event) -> str:
    return f"{ctx.local(event.starts_at):%-d %b}"


def local_day(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%A %-d %B}"


def where(event: Event) -> str:
    if event.location and event.online_url:
        return f"{event.location}, or online"
    return event.location or "Online"


def at_where(event: Event) -> str:
    """ "at the Workshop" or "online": never "at Online"."""
    return "online" if not event.location else f"at {where(event)}"


def calendar_button(settings: Settings, event: Event) -> Button:
    """A link button: the calendar file, always the event's latest version."""
    return Button(
        label="Add to calendar",
        action_id="event.calendar",
        url=calendar_url(settings.public_url, event.calendar_token),
    )


def online_button(event: Event) -> list[Button]:
    if not event.online_url:
        return []
    return [Button(label="Join online", action_id="event.join", url=event.online_url)]


def rsvp_buttons(event: Event, *answers: str) -> list[Button]:
    """Going / Maybe / Can't go, each naming the event; the handler re-checks everything."""
    return [
        Button(
            label=ANSWER_LABELS[answer],
            action_id="event.rsvp",
            value=f"{event.id}:{answer}",
            style="primary" if answer == "going" else None,
        )
        for answer in answers or ("going", "maybe", "not_going")
    ]
