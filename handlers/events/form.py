"""The event form, for a new event and for changes, and turning its answers into an event.

Times are typed in the champion's own timezone and stored in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.context import Context
from bot.forms import check
from bot.inbound import FormSubmission
from bot.ui import Form, Input
from handlers.audience import audience_inputs, parse_audience
from handlers.text import inert, one_line
from store.events.models import Event

TITLE_MAX = 150
DESCRIPTION_MAX = 3000
LONGEST = timedelta(days=14)
TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
DAY_AND_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}[:.]\d{2})$")
URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


@dataclass(frozen=True)
class Parsed:
    fields: dict[str, Any]
    errors: dict[str, str]


async def event_form(
    ctx: Context, *, form_id: str, state: str = "", event: Event | None = None
) -> Form:
    """`event.new` asks who should hear about it too; `event.edit` (once sent) does not."""
    inputs = _what_and_when(ctx, event)
    if form_id == "event.new":
        inputs += await _who(ctx, event)
    return Form(
        form_id=form_id,
        title="Announce an event" if form_id == "event.new" else "Change an event",
        intro=(
            "Tell the network about a hub event. You'll see a preview, and how many people "
            "it reaches, before anything is sent."
            if form_id == "event.new"
            else "Everyone who has answered will be told what changed."
        ),
        submit_label="Preview" if form_id == "event.new" else "Save and tell them",
        state=state,
        inputs=inputs,
    )


def _what_and_when(ctx: Context, event: Event | None) -> list[Input]:
    start = ctx.local(event.starts_at) if event else None
    end = ctx.local(event.ends_at) if event else None
    ends = None
    if start and end:
        ends = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    deadline = (
        ctx.local(event.rsvp_deadline).date().isoformat() if event and event.rsvp_deadline else None
    )
    return [
        Input(
            name="title",
            label="Title",
            max_length=TITLE_MAX,
            initial=event.title if event else None,
        ),
        Input(
            name="description",
            label="What is it?",
            kind="long_text",
            max_length=DESCRIPTION_MAX,
            initial=event.description if event else None,
        ),
        Input(
            name="day",
            label="Date",
            kind="date",
            initial=start.date().isoformat() if start else None,
        ),
        Input(
            name="starts",
            label="Starts",
            placeholder="14:00",
            hint=f"24-hour time, in your timezone ({ctx.timezone.key}).",
            max_length=20,
            initial=f"{start:%H:%M}" if start else None,
        ),
        Input(
            name="ends",
            label="Ends",
            placeholder="16:00",
            hint="A time that day, or a date and time (2026-03-15 12:00) for a longer event.",
            max_length=20,
            initial=ends,
        ),
        Input(
            name="location",
            label="Where",
            required=False,
            max_length=300,
            hint="A room and building. Leave empty for an online-only event.",
            initial=event.location or None if event else None,
        ),
        Input(
            name="online_url",
            label="Online link",
            required=False,
            max_length=500,
            placeholder="https://",
            initial=event.online_url or None if event else None,
        ),
        Input(
            name="capacity",
            label="Places",
            kind="number",
            required=False,
            min_value=1,
            max_value=100_000,
            hint="Leave empty for no limit. When it's full, people join a waitlist.",
            initial=str(event.capacity) if event and event.capacity else None,
        ),
        Input(
            name="deadline",
            label="Reply by",
            kind="date",
            required=False,
            hint="Optional: the last day to answer.",
            initial=deadline,
        ),
    ]


async def _who(ctx: Context, event: Event | None) -> list[Input]:
    return await audience_inputs(ctx.session, event.audience if event else {}, new=event is None)


# --- reading the answers -----------------------------------------------------------------


def parse(ctx: Context, form: Form, submitted: FormSubmission) -> Parsed:
    """Event fields from a submitted form, or a friendly error per field."""
    checked = check(form, submitted.fields)
    errors = dict(checked.errors)
    values = checked.values
    fields: dict[str, Any] = {}
    if values.get("title") is not None:
        fields["title"] = one_line(values["title"])
    if values.get("description") is not None:
        fields["description"] = inert(values["description"])
    _times(ctx, values, errors, fields)
    fields["location"] = one_line(values.get("location") or "")
    url = (values.get("online_url") or "").strip()
    if url and not URL.match(url):
        errors["online_url"] = "Please give a web address starting with https://"
    fields["online_url"] = url
    if not fields["location"] and not url and "location" not in errors:
        errors["location"] = "Please say where it is, or give an online link below."
    fields["capacity"] = int(values["capacity"]) if values.get("capacity") else None
    if "audience" in values:
        _audience(values, errors, fields)
    return Parsed(fields, errors)


def _times(
    ctx: Context, values: dict[str, Any], errors: dict[str, str], fields: dict[str, Any]
) -> None:
    day: date | None = values.get("day")
    if day is None:
        return
    zone = ctx.timezone
    starts = _time(values.get("starts"))
    if values.get("starts") and starts is None:
        errors["starts"] = "Please give a time like 14:00."
    ends = _end(day, values.get("ends"))
    if values.get("ends") and ends is None:
        errors["ends"] = "Please give a time like 16:00, or a date and time like 2026-03-15 12:00."
    if starts is None or ends is None:
        return
    starts_at = datetime.combine(day, starts, tzinfo=zone)
    ends_at = ends.replace(tzinfo=zone)
    if starts_at <= ctx.now():
        errors["day" if day < ctx.local(ctx.now()).date() else "starts"] = (
            "That's in the past — please give a time still to come."
        )
    elif ends_at <= starts_at:
        errors["ends"] = "Please give an end after the start."
    elif ends_at - starts_at > LONGEST:
        errors["ends"] = "An event can last up to two weeks."
    fields["starts_at"], fields["ends_at"] = starts_at, ends_at
    deadline: date | None = values.get("deadline")
    fields["rsvp_deadline"] = None
    if deadline is not None:
        if deadline > day:
            errors["deadline"] = "Please give a day on or before the event."
        elif deadline < ctx.local(ctx.now()).date():
            errors["deadline"] = "That day has passed — please give today or later."
        else:
            end_of_day = datetime.combine(deadline, time(23, 59), tzinfo=zone)
            fields["rsvp_deadline"] = min(end_of_day, starts_at)


def _time(text: str | None) -> time | None:
    match = TIME.match((text or "").strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _end(day: date, text: str | None) -> datetime | None:
    text = (text or "").strip()
    later = DAY_AND_TIME.match(text)
    if later:
        try:
            day = date.fromisoformat(later[1])
        except ValueError:
            return None
        text = later[2]
    at = _time(text)
    return datetime.combine(day, at) if at else None


def _audience(values: dict[str, Any], errors: dict[str, str], fields: dict[str, Any]) -> None:
    fields["audience"] = parse_audience(values, errors)
    fields["network_wide"] = fields["audience"]["network"]
