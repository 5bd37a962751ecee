"""How well a mentor suits a mentee: one transparent score, its parts the shown reasons.

Pure: `find` ranks with `score`, the coordinator's batch match builds the same
score for every pair at once with `score_matrix` and assigns mentors optimally
with `assign`. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from store.mentoring.queries import MentorRow
from store.mentoring.tags import mentor_tags, normal, tags_of

# Points per shared tag in the match score, by kind: s = specialism, e = equipment,
# r = registration (held by the mentor, sought by the mentee). The tag index `find`
# pre-ranks by carries the same points (store/mentoring/tags.py is given these).
WEIGHTS = {"s": 3, "e": 2, "r": 3}

OTHER_INSTITUTION = 2
FORMAT_FITS = 1
HAS_ROOM = 1
# The most a mentor can score without sharing a single tag: bounds `find`'s SQL pre-rank.
EXTRAS_MAX = OTHER_INSTITUTION + FORMAT_FITS + HAS_ROOM
FORMAT_CODES = {"in person": 0, "online": 1, "either": 2}

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Seeker:
    """The mentee side of a match."""

    member_id: int
    institution_id: int | None
    specialisms: Sequence[str] = ()
    equipment: Sequence[str] = ()
    registration_sought: Sequence[str] = ()
    format: str = "either"
    prefer_other_institution: bool = True


@dataclass(frozen=True)
class Score:
    points: int
    reasons: list[str] = field(default_factory=list)


def seeker_tags(seeker: Seeker) -> list[str]:
    return [
        *tags_of("s", list(seeker.specialisms)),
        *tags_of("e", list(seeker.equipment)),
        *tags_of("r", list(seeker.registration_sought)),
    ]


def formats_fit(mine: str, theirs: str) -> bool:
    return "either" in (mine, theirs) or mine == theirs


def score(seeker: Seeker, mentor: MentorRow) -> Score:
    parts: list[tuple[int, str]] = []
    shared = _shared(seeker.specialisms, mentor.specialisms)
    if shared:
        parts.append((WEIGHTS["s"] * len(shared), f"also works in {_listed(shared)}"))
    kit = _shared(seeker.equipment, mentor.equipment)
    if kit:
        parts.append((WEIGHTS["e"] * len(kit), f"uses the same kit: {_listed(kit)}"))
    for registration in _shared(seeker.registration_sought, mentor.registration_held):
        parts.append((WEIGHTS["r"], f"{registration} registered — you aim for {registration}"))
    if _elsewhere(seeker, mentor.institution_id):
        place = mentor.institution_name or "another institution"
        parts.append((OTHER_INSTITUTION, f"at another institution ({place})"))
    if formats_fit(seeker.format, mentor.format):
        parts.append((FORMAT_FITS, _format_reason(mentor.format)))
    if mentor.open_places > 0:
        parts.append((HAS_ROOM, _room(mentor.open_places)))
    return Score(sum(points for points, _ in parts), [reason for _, reason in parts])


def _shared(wanted: Iterable[str], offered: Iterable[str]) -> list[str]:
    """What the mentor offers that the seeker wants, once each, in the mentor's words."""
    wanted_set = {normal(w) for w in wanted} - {""}
    found: dict[str, str] = {}
    for item in offered:
        if normal(item) in wanted_set:
            found.setdefault(normal(item), item)
    return list(found.values())


def _elsewhere(seeker: Seeker, institution_id: int | None) -> bool:
    return (
        seeker.prefer_other_institution
        and seeker.institution_id is not None
        and institution_id is not None
        and institution_id != seeker.institution_id
    )


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def about_the_mentee(reasons: list[str]) -> list[str]:
    """The reasons as a coordinator reads them: about the mentee, not to them."""
    return [
        reason.replace("you aim for", "the mentee aims for").replace(
            "which suits you", "which suits the mentee"
        )
        for reason in reasons
    ]


def _format_reason(mentor_format: str) -> str:
    if mentor_format == "either":
        return "happy to meet in person or online"
    return f"meets {mentor_format}, which suits you"


def _room(places: int) -> str:
    return (
        "has capacity for one more mentee"
        if places == 1
        else f"has capacity for {places} more mentees"
    )


# --- every pair at once, for the batch match ------------------------------------------


def score_matrix(seekers: Sequence[Seeker], mentors: Sequence[MentorRow]) -> np.ndarray:
    """`score(seekers[i], mentors[j]).points` for every i, j, built with array arithmetic."""
    # NumPy and SciPy load on first use: every worker start and `benchmate tick` is faster.
    import numpy as np
    from scipy import sparse

    vocabulary: dict[str, int] = {}
    rows, cols, weights = [], [], []
    for i, seeker in enumerate(seekers):
        for tag in seeker_tags(seeker):
            rows.append(i)
            cols.append(vocabulary.setdefault(tag, len(vocabulary)))
            weights.append(WEIGHTS[tag[0]])
    wanted = sparse.csr_matrix(
        (weights, (rows, cols)), shape=(len(seekers), max(len(vocabulary), 1))
    )
    m_rows, m_cols = [], []
    for j, mentor in enumerate(mentors):
        for tag, _ in mentor_tags(
            mentor.specialisms, mentor.equipment, mentor.registration_held, WEIGHTS
        ):
            if tag in vocabulary:
                m_rows.append(j)
                m_cols.append(vocabulary[tag])
    offered = sparse.csr_matrix(
        (np.ones(len(m_rows)), (m_rows, m_cols)), shape=(len(mentors), wanted.shape[1])
    )
    points = (wanted @ offered.T).toarray().astype(np.int64)

    mine = np.array([s.institution_id if s.institution_id is not None else -1 for s in seekers])
    theirs = np.array([m.institution_id if m.institution_id is not None else -2 for m in mentors])
    prefers = np.array([s.prefer_other_institution for s in seekers], dtype=bool)
    elsewhere = (mine[:, None] != theirs[None, :]) & (mine >= 0)[:, None] & (theirs >= 0)[None, :]
    points += OTHER_INSTITUTION * (elsewhere & prefers[:, None])

    fits = np.array([[formats_fit(a, b) for b in FORMAT_CODES] for a in FORMAT_CODES])
    seeker_format = np.array([FORMAT_CODES.get(s.format, 2) for s in seekers])
    mentor_format = np.array([FORMAT_CODES.get(m.format, 2) for m in mentors])
    points += FORMAT_FITS * fits[seeker_format[:, None], mentor_format[None, :]]
    points += HAS_ROOM * np.array([m.open_places > 0 for m in mentors])[None, :]
    return points


def assign(
    points: np.ndarray, places: Sequence[int], forbidden: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """The best total: (seeker, mentor) pairs, each mentor at most `places[j]` times.

    Each mentor becomes one column per place. Forbidden pairs score 0; every
    allowed pair scores at least HAS_ROOM > 0, so a forbidden cell is only ever
    chosen where the seeker would otherwise go unmatched, and is then dropped:
    the total is the optimum of the constrained problem.
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    columns = np.repeat(np.arange(len(places)), np.asarray(places, dtype=int))
    if points.size == 0 or columns.size == 0:
        return []
    allowed = np.ones(points.shape, dtype=bool) if forbidden is None else ~forbidden
    expanded = np.where(allowed, points, 0)[:, columns]
    seeker_rows, slots = linear_sum_assignment(expanded, maximize=True)
    return [
        (int(i), int(columns[s]))
        for i, s in zip(seeker_rows, slots, strict=True)
        if allowed[i, columns[s]]
    ]
