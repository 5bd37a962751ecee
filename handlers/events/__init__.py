"""Event announcements (issue 8): a champion announces a hub event to chosen people and
channels; members answer Going, Maybe or Can't go (with places and a waitlist), get
reminders and a calendar file; the champion follows deliveries and answers live,
marks attendance (or members check in), and attendees give anonymous feedback.

Each module tells one part of the story and registers on the shared `router`.
"""

from __future__ import annotations

from handlers.events import (  # noqa: F401  (importing registers the routes)
    announce,
    attendance,
    calendar,
    change,
    feedback,
    listing,
    personal,
    reminders,
    rsvp,
    sendtime,
    status,
)
from handlers.events.router import router

__all__ = ["router"]
