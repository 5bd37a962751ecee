"""The one anonymity rule for every aggregate of anonymous answers (DESIGN.md, "Anonymity").

A score is shown for a group only with at least 5 respondents, free text only
with at least 10. When a subgroup of a breakdown is hidden, the next-smallest
siblings are hidden too until the hidden ones together reach the minimum, so
no hidden group can be worked out by subtracting the shown ones from a total.
Pure functions: evaluations use them now, surveys and event feedback later.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Literal, TypeVar

MIN_FOR_SCORES = 5
MIN_FOR_TEXT = 10

Kind = Literal["score", "text"]
K = TypeVar("K", bound=Hashable)


def minimum(kind: Kind) -> int:
    return MIN_FOR_TEXT if kind == "text" else MIN_FOR_SCORES


def can_show(respondents: int, kind: Kind = "score") -> bool:
    """May an aggregate of this many respondents be shown on its own?"""
    return respondents >= minimum(kind)


def shown_groups(counts: Mapping[K, int], kind: Kind = "score") -> set[K]:
    """The subgroups of one breakdown that may be shown, by respondents per group.

    Groups below the minimum are hidden; then, while the hidden groups together
    are still fewer than the minimum, the smallest shown sibling is hidden too.
    """
    floor = minimum(kind)
    hidden = {group for group, n in counts.items() if 0 < n < floor}
    shown = {group for group, n in counts.items() if n >= floor}
    while hidden and shown and sum(counts[group] for group in hidden) < floor:
        smallest = min(shown, key=lambda group: (counts[group], str(group)))
        shown.discard(smallest)
        hidden.add(smallest)
    return shown
