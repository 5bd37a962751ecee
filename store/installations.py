"""Workspaces the bot is installed in (Slack OAuth installs), kept in `installations`.

Adapters pass their platform's installation as a JSON-ready dict; this module
only stores and finds it, so store/ stays free of platform types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import Installation
from store.upsert import insert_ignore


@dataclass(frozen=True)
class Installed:
    platform: str
    enterprise_id: str
    workspace: str
    bot_user_id: str | None
    data: dict[str, Any]


async def save_installation(
    sessions: async_sessionmaker[AsyncSession],
    installed: Installed,
    now: datetime,
) -> None:
    """Insert or replace the installation for this platform, enterprise and workspace."""
    async with sessions() as session, session.begin():
        key = {
            "platform": installed.platform,
            "enterprise_id": installed.enterprise_id,
            "workspace": installed.workspace,
        }
        fresh = {"bot_user_id": installed.bot_user_id, "data": installed.data}
        inserted = await insert_ignore(
            session,
            Installation.__table__,  # type: ignore[arg-type]
            {**key, **fresh, "installed_at": now, "uninstalled_at": None},
        )
        if not inserted:
            await session.execute(
                update(Installation)
                .where(*(getattr(Installation, name) == value for name, value in key.items()))
                .values(**fresh, installed_at=now, uninstalled_at=None)
            )


async def active_installations(
    sessions: async_sessionmaker[AsyncSession], platform: str
) -> list[Installed]:
    async with sessions() as session, session.begin():
        rows = await session.scalars(
            select(Installation).where(
                Installation.platform == platform, Installation.uninstalled_at.is_(None)
            )
        )
        return [
            Installed(row.platform, row.enterprise_id, row.workspace, row.bot_user_id, row.data)
            for row in rows
        ]


async def mark_uninstalled(
    sessions: async_sessionmaker[AsyncSession],
    platform: str,
    enterprise_id: str,
    workspace: str,
    now: datetime,
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(Installation)
            .where(
                Installation.platform == platform,
                Installation.enterprise_id == enterprise_id,
                Installation.workspace == workspace,
                Installation.uninstalled_at.is_(None),
            )
            .values(uninstalled_at=now)
        )
