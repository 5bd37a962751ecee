"""Turns of one process that will lock the same row wait for each other here first.

On PostgreSQL a turn that locks a busy row (an event in an RSVP rush) waits in the
database, and the holder's every next step waits behind the other turns' work on
the event loop, so the row stays locked far longer than its work takes. Queued
here instead, the waiting turns rest until the holder's transaction ends, and the
holder runs on at once. Other processes still meet at the row lock itself.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

_HELD = "benchmate.row_queues_held"
_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


async def wait_turn(session: AsyncSession, *key: Any) -> None:
    """Wait until no earlier turn of this process holds `key`; hold it until this
    session's transaction ends (commit or rollback)."""
    held: list[asyncio.Lock] = session.info.setdefault(_HELD, [])
    queues = _queues.setdefault(asyncio.get_running_loop(), {})
    lock = queues.setdefault(key, asyncio.Lock())
    if lock in held:
        return
    await lock.acquire()
    held.append(lock)


def holds(session: AsyncSession, *key: Any) -> bool:
    """Whether this session's transaction holds `key`."""
    lock = _queues.get(asyncio.get_running_loop(), {}).get(key)
    return lock is not None and lock in session.info.get(_HELD, [])


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint
        for lock in session.info.pop(_HELD, []):
            lock.release()
