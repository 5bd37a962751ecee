"""Recognition: award nominations, consents, shortlists and winners, year on year.

Award drives are being built (the nominations feature); until their tables exist the
section says so rather than showing zeros that would read as "nobody was nominated".
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from store.report.figures import Section
from store.report.sql import Windows

NOT_YET = (
    "No award nominations are recorded yet: nomination drives are coming to Benchmate. "
    "Until then this section has no data, rather than zeros."
)


async def section(session: AsyncSession, w: Windows) -> Section:
    return Section("recognition", "Recognition", unavailable=NOT_YET)
