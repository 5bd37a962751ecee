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
receipts and comments it holds, and every breakdown a reader can request; it returns
what may be shown. A breakdown's groups are given as counts when breakdowns cannot
nest in one another (one breakdown, or several of the whole population by different
attributes with no filter), or as the sets of answers (any labels: positions in a
list) in each group when they can (filters, nested breakdowns): then every shown
group is also checked against every other shown or derivable group, so no answer
is isolated by subtracting a group of one breakdown from a group of another. The
older helpers (`can_show`, `shown_groups`) stay for single checks.

Where a reader can also combine breakdowns and filters (institution *and* role, one
within the other), counts per breakdown are not enough: "institution A"
and "coordinators" may each be large while their difference is one person.
`releasable()` takes the whole family of groups at once, as sets of cells, and hides
groups until nothing under the minimum can be derived from any combination of them.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

MIN_FOR_SCORES = 5
MIN_FOR_TEXT = 10

Kind = Literal["score", "text"]
K = TypeVar("K", bound=Hashable)
C = TypeVar("C", bound=Hashable)


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
    breakdowns: Mapping[str, Mapping[Any, int]]
    | Mapping[str, Mapping[Any, Collection[Any]]]
    | None = None,
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
    given = breakdowns or {}
    if any(not isinstance(n, int) for groups in given.values() for n in groups.values()):
        shown = _shown_of_sets(given, answers)  # type: ignore[arg-type]
    else:
        shown = {
            name: _shown_of_breakdown(counts, answers)  # type: ignore[arg-type]
            for name, counts in given.items()
        }
    groups = {name: frozenset(g) for name, g in shown.items()}
    return Release(True, answers, True, can_show(min(comments, answers), "text"), groups)


def _shown_of_breakdown(counts: Mapping[Hashable, int], total: int) -> set[Hashable]:
    covered = sum(counts.values())
    if covered > total:
        return set()  # groups that claim more answers than there are: show none
    everyone = dict(counts)
    if covered < total:
        everyone[EVERYONE_ELSE] = total - covered
    return shown_groups(everyone) - {EVERYONE_ELSE}


def _shown_of_sets(
    breakdowns: Mapping[str, Mapping[Hashable, Collection[Hashable]]], answers: int
) -> dict[str, set[Hashable]]:
    """Suppression across breakdowns given as sets of answers: each breakdown's own rule,
    then, until nothing changes, hide any shown group that differs from another shown or
    derivable group (the whole, or the whole less a breakdown's shown groups) by between
    one and `MIN_FOR_SCORES - 1` answers."""
    cells = {
        (name, group): frozenset(members)
        for name, groups in breakdowns.items()
        for group, members in groups.items()
    }
    listed = frozenset().union(*cells.values()) if cells else frozenset()
    # Answers in no group of any breakdown still count towards the whole.
    everyone = listed | {(EVERYONE_ELSE, n) for n in range(answers - len(listed))}
    total = len(everyone)
    shown = {
        name: _shown_of_breakdown({g: len(m) for g, m in groups.items()}, total)
        for name, groups in breakdowns.items()
    }
    floor = MIN_FOR_SCORES
    while True:
        visible = {(n, g): cells[(n, g)] for n, gs in shown.items() for g in gs}
        derived = [everyone] + [
            everyone - frozenset().union(*(cells[(n, g)] for g in gs)) for n, gs in shown.items()
        ]
        clash = next(
            (
                key
                for key, cell in sorted(visible.items(), key=lambda kv: (len(kv[1]), str(kv[0])))
                for other in [*visible.values(), *derived]
                if cell != other
                and (cell < other or other < cell)
                and 0 < len(cell ^ other) < floor
            ),
            None,
        )
        if clash is None:
            return shown
        name, group = clash
        shown[name].discard(group)
        counts = {g: len(cells[(name, g)]) for g in breakdowns[name]}
        shown[name] = _shown_of_breakdown({g: n for g, n in counts.items()}, total) & shown[name]
        hidden = sum(counts[g] for g in counts if g not in shown[name])
        covered_hidden = hidden + (total - sum(counts.values()))
        while shown[name] and 0 < covered_hidden < floor:
            smallest = min(shown[name], key=lambda g: (counts[g], str(g)))
            shown[name].discard(smallest)
            covered_hidden += counts[smallest]


def keeps(answers: int, comments: int) -> tuple[bool, bool]:
    """At a round's close: are its answers, and its comments, ever going to be shown?

    What can never be shown is deleted when a round closes rather than kept.
    """
    return can_show(answers), can_show(min(comments, answers), "text")


def releasable(
    cells: Mapping[C, int], groups: Mapping[K, Collection[C]], kind: Kind = "score"
) -> set[K]:
    """The groups of a whole family — every breakdown and filter a reader may ask for,
    at any time — that may all be shown, so that no set of fewer than the minimum people
    can be worked out from any combination of them.

    Each group is a set of cells (say institution × role) and `cells` counts the people
    in each. Whatever a reader can compute by adding and subtracting shown groups is a
    sum over "atoms": the people whose cells lie in exactly the same shown groups. So
    groups below the minimum are hidden, and then more groups, smallest harm first,
    until every atom that any shown group covers holds none or at least the minimum.
    Cells outside every shown group cannot be reached at all.
    """
    floor = minimum(kind)
    names = sorted(groups, key=str)
    bit = {name: 1 << n for n, name in enumerate(names)}
    masks: dict[C, int] = {cell: 0 for cell in cells}
    for name in names:
        for cell in groups[name]:
            if cell in masks:
                masks[cell] |= bit[name]
    people = [(masks[cell], n) for cell, n in cells.items() if n > 0]
    size = {name: sum(n for mask, n in people if mask & bit[name]) for name in names}
    shown = sum(bit[name] for name in names if size[name] >= floor)

    def shortfall(visible: int) -> int:
        atoms: dict[int, int] = {}
        for mask, n in people:
            key = mask & visible
            if key:
                atoms[key] = atoms.get(key, 0) + n
        return sum(floor - n for n in atoms.values() if n < floor)

    short = shortfall(shown)
    while short:
        best: tuple[int, int, str] | None = None
        choice = 0
        for name in names:
            if shown & bit[name]:
                trial = (shortfall(shown & ~bit[name]), size[name], str(name))
                if best is None or trial < best:
                    best, choice = trial, bit[name]
        shown &= ~choice
        short = best[0] if best else 0
    return {name for name in names if shown & bit[name]}
