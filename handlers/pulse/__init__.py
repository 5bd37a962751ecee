"""Pulse surveys (issue 17): a coordinator sets up a short anonymous survey, once or in
numbered rounds; members answer from a card and may change their answer while the round
is open; reminders go to those who have not answered only; results of closed rounds are
shown as charts and tables under the anonymity rule (bot/anonymity.py), and exported as
aggregates only.

Each module tells one part of the story and registers on the shared `router`.
"""

from __future__ import annotations

from handlers.pulse import (  # noqa: F401  (importing registers the routes)
    answer,
    export,
    personal,
    results,
    rounds,
    send,
    setup,
)
from handlers.pulse.router import router

__all__ = ["router"]
