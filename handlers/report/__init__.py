"""The impact report (issue 18): `report` for institutional leads and admins, with charts,
a downloadable evidence pack and a monthly digest to each institution's leads.

Each module tells one part of the story and registers on the shared `router`.
"""

from __future__ import annotations

from handlers.report import digest, show  # noqa: F401  (importing registers the routes)
from handlers.report.router import router

__all__ = ["router"]
