"""Property: for any population and any sequence of breakdown and filter requests a
coordinator can make, no group of fewer than five people can be worked out — not by
one view, nor by adding and subtracting what several views showed.

Derivable means linear algebra: a set of people whose total can be computed from the
shown groups' totals is one whose indicator lies in the span of theirs. We check every
set of cells holding between one and four people against that span.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.anonymity import MIN_FOR_SCORES, releasable
from handlers.pulse.breakdown import EVERYONE, Sealed, View, rows_of
from store.pulse.queries import CELL_ROLES

cells = st.dictionaries(
    st.tuples(st.integers(1, 4), st.sampled_from(CELL_ROLES)),
    st.integers(0, 9),
    min_size=1,
    max_size=10,
)


def views(population: dict) -> st.SearchStrategy[list[View]]:
    withins = [EVERYONE]
    withins += [("i", i) for i, _ in population] + [("r", r) for _, r in population]
    return st.lists(
        st.builds(
            lambda within, by: View(by if by != _dimension(within) else "", within),
            st.sampled_from(withins),
            st.sampled_from(["", "institution", "role"]),
        ),
        max_size=8,
    )


def _dimension(within: tuple) -> str:
    return {"i": "institution", "r": "role"}.get(within[0], "")


@settings(max_examples=300, deadline=None)
@given(data=st.data(), population=cells)
def test_no_group_under_the_minimum_can_be_derived(data: st.DataObject, population: dict) -> None:
    sealed = Sealed(respondents={cell: n for cell, n in population.items() if n})
    if not sealed.respondents:
        return
    shown = sealed.shown() if sealed.total >= MIN_FOR_SCORES else set()
    requests = data.draw(views(sealed.respondents))
    seen = {g for view in [View(), *requests] for g in rows_of(sealed, view) if g in shown}
    for group in seen:
        assert sealed.size(group) >= MIN_FOR_SCORES
    order = list(sealed.respondents)
    people = np.repeat(np.arange(len(order)), [sealed.respondents[c] for c in order])

    def indicator(chosen: set) -> np.ndarray:
        return np.array([1.0 if order[p] in chosen else 0.0 for p in people])

    basis = np.array([indicator(set(sealed.cells_of(g))) for g in seen]) if seen else None
    rank = np.linalg.matrix_rank(basis) if basis is not None else 0
    small = [c for c in order if sealed.respondents[c] < MIN_FOR_SCORES]
    for size in range(1, len(small) + 1):
        for chosen in combinations(small, size):
            if sum(sealed.respondents[c] for c in chosen) >= MIN_FOR_SCORES:
                continue
            if basis is None:
                continue
            stacked = np.vstack([basis, indicator(set(chosen))])
            assert np.linalg.matrix_rank(stacked) > rank, f"{chosen} derivable from {seen}"


def test_the_classic_subtraction_is_blocked() -> None:
    """Institution A's five are all coordinators and one more coordinator is elsewhere:
    showing A and "coordinators" would give that one person away."""
    population = {(1, "coordinator"): 5, (2, "coordinator"): 1, (2, "technician"): 9}
    family = Sealed(respondents=population).family()
    shown = releasable(population, family)
    assert not ({("i", 1), ("r", "coordinator")} <= shown)
