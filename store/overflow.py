"""Replies too long for one platform message, kept for their "Show more" buttons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

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
