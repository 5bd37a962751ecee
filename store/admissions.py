"""Slack workspaces and Teams tenants an admin has admitted to this deployment's network.

A row is a decision (or a request waiting for one): `pending` (an OAuth install
from a new workspace), `admitted`, or `removed`. Workspaces the deployment's own
settings admit need no row (bot/admission.py); a row overrides them.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base
from store.upsert import insert_ignore

PENDING, ADMITTED, REMOVED = "pending", "admitted", "removed"


class Admission(Base):
    __tablename__ = "admissions"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(16))
    noted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Workspace:
    platform: str
    workspace: str
    name: str
    status: str


# Every turn asks, and decisions are rare: each process remembers them briefly, per
# database. A decision recorded here is seen at once; one recorded by another process
# within REMEMBER_SECONDS.
REMEMBER_SECONDS = 30.0
_remembered: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], tuple[float, str | None]]] = (
    weakref.WeakKeyDictionary()
)


async def status_of(session: AsyncSession, platform: str, workspace: str) -> str | None:
    """The admin's decision on this workspace, or None when there is none."""
    known = _remembered.setdefault(session.get_bind(), {})
    found = known.get((platform, workspace))
    if found is not None and time.monotonic() - found[0] < REMEMBER_SECONDS:
        return found[1]
    status = await session.scalar(
        select(Admission.status).where(
            Admission.platform == platform, Admission.workspace == workspace
        )
    )
    known[platform, workspace] = (time.monotonic(), status)
    return status


def forget_decisions(session: AsyncSession) -> None:
    """A decision was just recorded: read them afresh."""
    _remembered.pop(session.get_bind(), None)


async def note_install(
    session: AsyncSession, platform: str, workspace: str, name: str, now: datetime
) -> None:
    """A new install waits for approval; an earlier decision stands."""
    await insert_ignore(
        session,
        Admission.__table__,  # type: ignore[arg-type]
        {
            "platform": platform,
            "workspace": workspace,
            "name": name[:120],
            "status": PENDING,
            "noted_at": now,
            "decided_at": None,
        },
    )
    forget_decisions(session)


async def all_workspaces(session: AsyncSession) -> list[Workspace]:
    rows = await session.scalars(select(Admission).order_by(Admission.status, Admission.name))
    return [Workspace(row.platform, row.workspace, row.name, row.status) for row in rows]


async def find(session: AsyncSession, reference: str) -> list[Admission]:
    """Rows whose name or id is `reference` (ignoring case)."""
    wanted = reference.strip().lower()
    rows = await session.scalars(
        select(Admission).where(
            (func.lower(Admission.name) == wanted) | (func.lower(Admission.workspace) == wanted)
        )
    )
    return list(rows)


async def decide(
    session: AsyncSession, platform: str, workspace: str, status: str, now: datetime
) -> None:
    """Record the admin's decision, making the row if the workspace had none."""
    row = await session.get(Admission, (platform, workspace))
    if row is None:
        row = Admission(platform=platform, workspace=workspace, name="", noted_at=now)
        session.add(row)
    row.status = status
    row.decided_at = now
    forget_decisions(session)
