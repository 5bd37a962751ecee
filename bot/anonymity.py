"""The one anonymity rule for every aggregate of anonymous answers (DESIGN.md, "Anonymity").

Every feature that collects anonymous answers (evaluations, event feedback, pulse
surveys) asks this module what it may show, and nothing else decides it:

- **Closed rounds only.** Answers are taken while a round (an evaluation round, an
  event's feedback window, a survey round) is open; nothing of them is shown until it
  has closed, and once closed no answer is added, so what is shown never changes.
  Nobody can watch an aggregate move one answer at a time.
- **Distinct people.** Whether someone has answered is recorded apart from the answer
  (a receipt) and one person answers once. If a round ever holds more answers than
  receipts, nothing of it is shown.
- **Minimums.** Scores are shown for a group only with at least `MIN_FOR_SCORES`
  answers; free text only with at least `MIN_FOR_TEXT` comments (comments, not
  respondents).
- **Complementary suppression.** In every breakdown a reader can ask for, groups
  below the minimum are hidden, and then the smallest shown siblings too, until the
  hidden groups together hold none or at least the minimum: no hidden group can be
  worked out by subtracting what is shown from the total. A breakdown whose groups do
  not cover everyone (a filter) counts "everyone else" as a hidden sibling.

`release()` is the API: give it whether the round is closed, how many answers and
receipts and comments it holds, and the per-group counts of every breakdown a reader
can request; it returns what may be shown. The older helpers (`can_show`,
`shown_groups`) stay for single checks.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar

MIN_FOR_SCORES = 5
MIN_FOR_TEXT = 10

Kind = Literal["score", "text"]
K = TypeVar("K", bound=Hashable)


class _EveryoneElse:
    """The implicit sibling of a breakdown that does not cover everyone (a filter)."""

    def __repr__(self) -> str:
        return "everyone else"


EVERYONE_ELSE = _EveryoneElse()


def minimum(kind: Kind) -> int:
    return MIN_FOR_TEXT if kind == "text" else MIN_FOR_SCORES


def can_show(respondents: int, kind: Kind = "score") -> bool:
    """May an aggregate of this many answers (or, for text, comments) be shown on its own?"""
    return respondents >= minimum(kind)


def shown_groups(counts: Mapping[K, int], kind: Kind = "score") -> set[K]:
    """The subgroups of one breakdown that may be shown, by answers per group.

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


def is_closed(closes_at: datetime, now: datetime) -> bool:
    """A round closes at an instant; from then on it takes no answers and may be shown."""
    return now >= closes_at


@dataclass(frozen=True)
class Release:
    """What of one round's anonymous answers may be shown to a reader."""

    closed: bool
    answers: int
    scores: bool  # the overall scores (averages, counts per score)
    text: bool  # the comments
    groups: Mapping[str, frozenset[Hashable]] = field(default_factory=dict)
    why_not: str = ""  # a friendly sentence when scores are not shown

    def shows(self, breakdown: str, group: Hashable) -> bool:
        return self.scores and group in self.groups.get(breakdown, frozenset())


def release(
    *,
    closed: bool,
    answers: int,
    answered: int,
    comments: int = 0,
    breakdowns: Mapping[str, Mapping[Hashable, int]] | None = None,
) -> Release:
    """What may be shown of a round: `answers` stored, `answered` distinct receipts,
    `comments` non-empty comments, and the answers per group of each breakdown a
    reader can request (by name)."""
    if not closed:
        return Release(
            False, answers, False, False, why_not="Results appear once answering has closed."
        )
    if answers > answered:
        # More answers than people recorded as answering: something is wrong; show nothing.
        return Release(True, answers, False, False, why_not="These results cannot be shown.")
    if not can_show(answers):
        return Release(
            True,
            answers,
            False,
            False,
            why_not=f"Too few answers to show without identifying anyone "
            f"(results appear from {MIN_FOR_SCORES}).",
        )
    groups = {
        name: frozenset(_shown_of_breakdown(counts, answers))
        for name, counts in (breakdowns or {}).items()
    }
    return Release(True, answers, True, can_show(min(comments, answers), "text"), groups)


def _shown_of_breakdown(counts: Mapping[Hashable, int], total: int) -> set[Hashable]:
    covered = sum(counts.values())
    if covered > total:
        return set()  # groups that claim more answers than there are: show none
    everyone = dict(counts)
    if covered < total:
        everyone[EVERYONE_ELSE] = total - covered
    return shown_groups(everyone) - {EVERYONE_ELSE}


def keeps(answers: int, comments: int) -> tuple[bool, bool]:
    """At a round's close: are its answers, and its comments, ever going to be shown?

    What can never be shown is deleted when a round closes rather than kept.
    """
    return can_show(answers), can_show(min(comments, answers), "text")
