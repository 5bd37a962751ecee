"""Long replies kept in pages, so a "Show more" button can bring the rest later.

Adapters cut a reply into pages their platform accepts and keep them here as
plain JSON; any web process can then answer the button. Kept for KEEP_FOR,
after which the button says so kindly. Platform-neutral: no adapter types here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from store.db import reading
from store.models import Base


class OverflowReply(Base):
    """A long reply cut into pages by an adapter, as the platform's own JSON.

    A page button carries only `token` (unguessable) and a page number; `reader`
    is the one person who may turn the pages of a private reply (None: anyone
    who can see the message).
    """

    __tablename__ = "overflow_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(100), default="")
    reader: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(index=True)


KEEP_FOR = timedelta(days=30)
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Kept:
    workspace: str
    reader: str | None
    content: dict[str, Any]


def new_token() -> str:
    return secrets.token_urlsafe(16)


async def keep(
    sessions: Sessions,
    token: str,
    platform: str,
    workspace: str,
    reader: str | None,
    content: dict[str, Any],
    now: datetime,
) -> None:
    """Store one reply's pages (and forget replies older than KEEP_FOR)."""
    async with sessions() as session, session.begin():
        await session.execute(
            delete(OverflowReply).where(OverflowReply.created_at < now - KEEP_FOR)
        )
        session.add(
            OverflowReply(
                token=token,
                platform=platform,
                workspace=workspace,
                reader=reader,
                content=content,
                created_at=now,
            )
        )


async def find(sessions: Sessions, platform: str, token: str, now: datetime) -> Kept | None:
    """The kept reply, or None when it never existed or is too old."""
    async with reading(sessions) as session:
        row = await session.scalar(
            select(OverflowReply).where(
                OverflowReply.platform == platform,
                OverflowReply.token == token,
                OverflowReply.created_at >= now - KEEP_FOR,
            )
        )
        return Kept(row.workspace, row.reader, row.content) if row else None
