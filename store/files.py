"""Files published under an unguessable link: charts, evidence packs, exports, certificates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base


class StoredFile(Base):
    """Bytes anyone holding the link may fetch until `expires_at`.

    `owner_id` is the member the file is about or for (an export, a certificate):
    it goes when the member is erased. Charts of anonymous aggregates have none.
    """

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


async def save(session: AsyncSession, stored: StoredFile) -> StoredFile:
    session.add(stored)
    await session.flush()
    return stored


async def by_token(session: AsyncSession, token: str, now: datetime) -> StoredFile | None:
    """The file behind a link, or None when there is none or it has expired."""
    return await session.scalar(
        select(StoredFile).where(StoredFile.token == token, StoredFile.expires_at > now)
    )


async def remove_expired(session: AsyncSession, now: datetime, batch: int = 1000) -> int:
    """Delete up to `batch` expired files; returns how many went."""
    ids = (
        await session.scalars(
            select(StoredFile.id).where(StoredFile.expires_at <= now).limit(batch)
        )
    ).all()
    if ids:
        await session.execute(delete(StoredFile).where(StoredFile.id.in_(ids)))
    return len(ids)
