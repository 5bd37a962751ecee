"""Anonymous answers at rest: nothing lines them up with the receipts of who answered.

An anonymous answer table (event feedback, evaluation responses, survey answers)
holds no member, no time and no sequence. Its key is a random 62-bit integer made
with `random_key()`, declared with `AnonymousKey`: on SQLite that key *is* the
rowid, so neither the rowid nor the file's order follows insertion. On
PostgreSQL a row's physical place (`ctid`) and its transaction (`xmin`) still
follow the answering turn while a round is open; so when the round closes,
`seal()` rewrites its answers in one transaction, shuffled, under fresh keys.
After that every answer of the round shares one transaction and sits in a random
place, and what the anonymity rule will never show is deleted rather than kept.
"""

from __future__ import annotations

import random
import secrets
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Table, cast, delete, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from store.models import Base
from store.upsert import insert_ignore

# A rowid alias on SQLite (INTEGER PRIMARY KEY), a bigint on PostgreSQL.
AnonymousKey = BigInteger().with_variant(Integer(), "sqlite")
_shuffle = random.SystemRandom().shuffle


def random_key() -> int:
    return secrets.randbelow(2**62) + 1


class SealedRound(Base):
    """A round whose answers have been sealed (shuffled, and trimmed to what may be shown)."""

    __tablename__ = "anonymous_sealed_rounds"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)


def sealed(key: ColumnElement[str]) -> ColumnElement[bool]:
    """A clause: the round named by this key expression is sealed. Aggregates across rounds
    (network figures) count sealed rounds only, so they move a whole round at a time."""
    return select(SealedRound.key).where(SealedRound.key == key).exists()


def event_round(event_id: Any) -> ColumnElement[str]:
    return literal("event:") + cast(event_id, String)


def evaluation_round(scheme_id: Any, stage: Any, round_: Any) -> ColumnElement[str]:
    return (
        literal("evaluation:")
        + cast(scheme_id, String)
        + literal(":")
        + stage
        + literal(":")
        + round_
    )


async def is_sealed(session: AsyncSession, key: str) -> bool:
    return await session.get(SealedRound, key) is not None


async def seal(
    session: AsyncSession,
    key: str,
    table: Table,
    where: ColumnElement[bool],
    *,
    keep_answers: bool,
    keep_comments: bool,
    comment: str = "comment",
) -> bool:
    """Rewrite one closed round's answers shuffled under fresh keys; once per round.

    `keep_answers`/`keep_comments` come from the anonymity rule: answers or comments
    that can never be shown are deleted. False if the round was sealed already.
    """
    if not await insert_ignore(session, SealedRound.__table__, {"key": key}):  # type: ignore[arg-type]
        return False
    rows: list[dict[str, Any]] = [
        dict(r) for r in (await session.execute(select(table).where(where))).mappings()
    ]
    await session.execute(delete(table).where(where))
    if keep_answers and rows:
        _shuffle(rows)
        for row in rows:
            row["id"] = random_key()
            if not keep_comments:
                row[comment] = None
        for row in rows:  # one by one: the physical order is the shuffled order
            await session.execute(insert(table).values(**row))
    return True
