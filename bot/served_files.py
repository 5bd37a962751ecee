"""GET /files/{token}/{filename}: a published file (bot/files.py), for whoever holds its
link; served like any feature's download (bot/downloads.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.router import Download, FileBody
from store import files


async def stored_file(session: AsyncSession, token: str, now: datetime) -> FileBody | None:
    found = await files.by_token(session, token, now)
    if found is None:
        return None
    return FileBody(
        found.data,
        found.content_type,
        found.filename,
        inline=found.content_type.startswith("image/"),
        cache="private, max-age=3600",
    )


PUBLISHED = Download("/files/", "/{filename}", stored_file)
