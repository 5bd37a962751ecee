"""Award nomination drives (issue 16): a coordinator opens a drive (the Papin Prizes, a
Technician of the Year) with categories, deadlines, a review panel and criteria and
announces it; members nominate colleagues, who accept or decline; the panel scores
consenting nominations; the coordinator shortlists, sends feedback, exports submission
packs and records winners; every consenting nominee gets a certificate of nomination.

Each module tells one part of the story and registers on the shared `router`.
"""

from __future__ import annotations

from handlers.nominations import (  # noqa: F401  (importing registers the routes)
    announce,
    certificates,
    consent,
    drive,
    export,
    nominate,
    personal,
    reminders,
    report,
    review,
    shortlist,
)
from handlers.nominations.router import router

__all__ = ["router"]
