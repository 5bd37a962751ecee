"""Work a turn leaves for after its answer (fetching a profile from the platform).

Kept in one place so that shutdown finishes it and tests can wait for it; a failure
is logged, never raised into a turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

# Work left for after an answer waits until no turn is running, for at most this long:
# in a crowd (hundreds pressing Going in a minute) it waits for the crowd, not in it.
QUIET_WAIT_SECONDS = 30.0


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.ensure_future(self._run(work, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until nothing is left, including work started meanwhile."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @staticmethod
    async def _run(work: Coroutine[Any, Any, None], what: str) -> None:
        try:
            await work
        except Exception:
            log.exception("%s failed", what)
