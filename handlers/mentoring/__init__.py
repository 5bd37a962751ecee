"""Mentoring (issue 6): profiles, finding a mentor, requests, the agreement, meetings,
evaluations, a formal close and the coordinator's batch match and report.

Each module tells one part of the story and registers on the shared `router`.
"""

from __future__ import annotations

from handlers.mentoring import (  # noqa: F401  (importing registers the routes)
    agreement,
    close,
    coordinator,
    evaluations,
    find,
    fit,
    history,
    jobs,
    meetings,
    nudges,
    personal,
    profile,
    requests,
    schemes,
    status,
)
from handlers.mentoring.router import router

__all__ = ["router"]
