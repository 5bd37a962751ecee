"""Calendar files (.ics) for events: plain functions returning bytes, via `icalendar`.

Each event keeps one UID for ever; SEQUENCE goes up with every change, and a
cancelled event says STATUS:CANCELLED, so a calendar that imported the file
before updates the same entry instead of adding a second one.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy.ext.asyncio import AsyncSession

from bot.router import FileBody
from handlers.events.router import router
from store.events import queries as store
from store.events.models import Event

PRODUCT = "-//Benchmate//Technician network events//EN"
PATH = "/calendar/{token}.ics"  # served by `calendar_file` below
CONTENT_TYPE = "text/calendar"


def calendar_url(public_url: str, token: str) -> str:
    """The unguessable link to an event's calendar file."""
    return public_url.rstrip("/") + PATH.format(token=token)


def event_ics(event: Event, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", event.uid)
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", now)
    entry.add("last-modified", event.updated_at)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", event.title)
    description = event.description
    if event.online_url:
        description = f"{description}\n\nJoin online: {event.online_url}".strip()
        entry.add("url", event.online_url)
    if description:
        entry.add("description", description)
    if event.location or event.online_url:
        entry.add("location", event.location or "Online")
    cancelled = event.status == "cancelled"
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    entry.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    calendar.add_component(entry)
    return calendar.to_ical()


@router.download("/calendar/", ".ics")
async def calendar_file(session: AsyncSession, token: str, now: datetime) -> FileBody | None:
    """An event's calendar file, for whoever holds its link (Add to calendar)."""
    found = await store.by_token(session, token)
    if found is None:
        return None
    return FileBody(event_ics(found, now), CONTENT_TYPE, "event.ics", charset="utf-8")
