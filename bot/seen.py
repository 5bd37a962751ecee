"""Who this process has seen lately, so a known member's turn need not write.

A turn writes the member's row on first sight, when the platform's profile
facts change, and at most hourly to note when they were last seen (the
dispatcher reaches people on the platform they used last). Remembering what
was written lets a turn that only reads open read-first: on SQLite it then
takes no write lock at all (store/writers.py). A miss only costs a writer turn.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from bot.inbound import Identity, Profile

SEEN_EVERY = timedelta(hours=1)
SIZE = 50_000


class Seen:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._seen: OrderedDict[Identity, tuple[datetime, Profile]] = OrderedDict()

    def due(self, who: Identity, profile: Profile, now: datetime) -> bool:
        """Whether a turn from `who` would write their member row (or we cannot tell)."""
        found = self._seen.get(who)
        if found is None:
            return True
        seen_at, known = found
        return known != profile or not is_recent(seen_at, now)

    def note(self, who: Identity, profile: Profile, seen_at: datetime) -> None:
        self._seen[who] = (seen_at, profile)
        self._seen.move_to_end(who)
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)


def is_recent(seen_at: datetime | None, now: datetime) -> bool:
    return seen_at is not None and seen_at > now - SEEN_EVERY
