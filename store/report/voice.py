"""Voice: pulse survey participation and question trends.

Pulse surveys are being built; until their tables exist the section says so.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from store.report.figures import Section
from store.report.sql import Windows

NOT_YET = (
    "No pulse surveys have run yet: surveys are coming to Benchmate. Until then this "
    "section has no data, rather than zeros."
)


async def section(session: AsyncSession, w: Windows) -> Section:
    return Section("voice", "Voice", unavailable=NOT_YET)
