"""The pure parts: the match score, the optimal batch assignment, the anonymity rule."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.anonymity import can_show, shown_groups
from handlers.mentoring.matching import Seeker, assign, score, score_matrix
from store.mentoring.queries import MentorRow

WORDS = ["lc-ms", "nmr", "cnc machining", "teaching labs"]
KIT = ["Xevo TQ-S", "Haas VF-2"]
REGS = ["RSciTech", "RSci", "EngTech"]
FORMATS = ["in person", "online", "either"]

seekers = st.builds(
    Seeker,
    member_id=st.integers(1, 1000),
    institution_id=st.one_of(st.none(), st.integers(1, 3)),
    specialisms=st.lists(st.sampled_from(WORDS), max_size=3),
    equipment=st.lists(st.sampled_from(KIT), max_size=2),
    registration_sought=st.lists(st.sampled_from(REGS), max_size=2),
    format=st.sampled_from(FORMATS),
    prefer_other_institution=st.booleans(),
)
mentors = st.builds(
    MentorRow,
    member_id=st.integers(1001, 2000),
    name=st.just("M"),
    job_title=st.just(""),
    institution_id=st.one_of(st.none(), st.integers(1, 3)),
    institution_name=st.just("Elsewhere"),
    specialisms=st.lists(st.sampled_from([w.upper() for w in WORDS] + WORDS), max_size=3),
    equipment=st.lists(st.sampled_from(KIT), max_size=2),
    registration_held=st.lists(st.sampled_from(REGS), max_size=2),
    format=st.sampled_from(FORMATS),
    open_places=st.integers(1, 2),
    career_stage=st.none(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(seekers, min_size=1, max_size=4), st.lists(mentors, min_size=1, max_size=4))
def test_the_matrix_is_the_same_score_find_uses(
    some_seekers: list[Seeker], some_mentors: list[MentorRow]
) -> None:
    matrix = score_matrix(some_seekers, some_mentors)
    for i, seeker in enumerate(some_seekers):
        for j, mentor in enumerate(some_mentors):
            assert matrix[i, j] == score(seeker, mentor).points


def brute_force(points: np.ndarray, places: list[int], forbidden: np.ndarray) -> int:
    """Try every way of giving each mentee one mentor or none."""
    best = 0
    n, m = points.shape
    for choice in itertools.product(range(-1, m), repeat=n):
        used = [0] * m
        total, ok = 0, True
        for i, j in enumerate(choice):
            if j < 0:
                continue
            used[j] += 1
            if used[j] > places[j] or forbidden[i, j]:
                ok = False
                break
            total += points[i, j]
        if ok:
            best = max(best, total)
    return best


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda n: st.integers(1, 3).flatmap(
            lambda m: st.tuples(
                st.lists(
                    st.lists(st.integers(1, 12), min_size=m, max_size=m), min_size=n, max_size=n
                ),
                st.lists(st.integers(0, 2), min_size=m, max_size=m),
                st.lists(st.lists(st.booleans(), min_size=m, max_size=m), min_size=n, max_size=n),
            )
        )
    )
)
def test_batch_match_is_optimal_and_respects_places_and_exclusions(case) -> None:  # type: ignore[no-untyped-def]
    raw_points, places, raw_forbidden = case
    points, forbidden = np.array(raw_points), np.array(raw_forbidden)
    pairs = assign(points, places, forbidden)
    assert sum(points[i, j] for i, j in pairs) == brute_force(points, places, forbidden)
    assert not any(forbidden[i, j] for i, j in pairs)
    for j, room in enumerate(places):
        assert sum(1 for _, b in pairs if b == j) <= room
    assert len({i for i, _ in pairs}) == len(pairs)  # one mentor per mentee


def test_reasons_are_the_parts_of_the_score() -> None:
    priya = Seeker(1, 1, ["LC-MS"], ["Xevo TQ-S"], ["RSciTech"], "online", True)
    farah = MentorRow(
        2, "Farah", "", 2, "Calderbridge", ["lc-ms"], ["xevo tq-s"], ["RSciTech"], "either", 1, None
    )
    result = score(priya, farah)
    assert result.points == 3 + 2 + 3 + 2 + 1 + 1
    assert result.reasons == [
        "also works in lc-ms",
        "uses the same kit: xevo tq-s",
        "RSciTech registered — you aim for RSciTech",
        "at another institution (Calderbridge)",
        "happy to meet in person or online",
        "has capacity for one more mentee",
    ]
    same_place = Seeker(1, 2, ["lc-ms"], format="in person", prefer_other_institution=True)
    assert score(same_place, farah).points == 3 + 1 + 1


def test_anonymity_thresholds() -> None:
    assert not can_show(4) and can_show(5)
    assert not can_show(9, "text") and can_show(10, "text")


def test_anonymity_hides_the_next_smallest_sibling() -> None:
    assert shown_groups({"a": 20, "b": 7, "c": 3}) == {"a"}
    assert shown_groups({"a": 20, "b": 7, "c": 6}) == {"a", "b", "c"}
    assert shown_groups({"a": 20, "b": 3, "c": 3}) == {"a"}  # hidden together they reach 6
    assert shown_groups({"a": 8, "b": 3}) == set()
    assert shown_groups({"a": 12, "b": 11, "c": 9}, "text") == {"a"}
    assert shown_groups({}) == set()
