"""The coordinator's batch match: 2,000 mentees x 2,000 mentor places.

Ours: build the score matrix from the mentees' and mentors' profiles (the same
score `find` uses), forbid excluded pairs, expand mentors by capacity and
assign optimally (handlers/mentoring/matching.py). Baseline: SciPy's
linear_sum_assignment alone on the very matrix we built. Checks that the totals
are equal and that our wall time, matrix building included, is <= 1.5x SciPy's
solve alone.

    .venv/bin/python benchmarks/bench_batch_match.py [--mentees 2000] [--places 2000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from scipy.optimize import linear_sum_assignment

from benchmarks._common import print_json, print_table
from handlers.mentoring.matching import Seeker, assign, score_matrix
from store.mentoring.models import FORMATS, REGISTRATIONS
from store.mentoring.queries import MentorRow

TARGET_RATIO = 1.5
SPECIALISMS = [f"technique {n}" for n in range(150)]
EQUIPMENT = [f"instrument model {n}" for n in range(100)]


def people(mentees: int, places: int, rng: random.Random):  # type: ignore[no-untyped-def]
    seekers = [
        Seeker(
            member_id=i,
            institution_id=rng.randrange(40),
            specialisms=rng.sample(SPECIALISMS, 3),
            equipment=rng.sample(EQUIPMENT, 1),
            registration_sought=rng.sample(list(REGISTRATIONS), rng.choice([0, 1])),
            format=rng.choice(FORMATS),
        )
        for i in range(mentees)
    ]
    mentors, left = [], places
    while left > 0:
        room = min(left, rng.choice([1, 2, 3]))
        left -= room
        mentors.append(
            MentorRow(
                member_id=100_000 + len(mentors),
                name=f"Mentor {len(mentors)}",
                job_title="",
                institution_id=rng.randrange(40),
                institution_name="",
                specialisms=rng.sample(SPECIALISMS, 3),
                equipment=rng.sample(EQUIPMENT, 2),
                registration_held=rng.sample(list(REGISTRATIONS), rng.choice([0, 1, 2])),
                format=rng.choice(FORMATS),
                open_places=room,
                career_stage=None,
            )
        )
    forbidden = np.zeros((mentees, len(mentors)), dtype=bool)
    for _ in range(mentees // 10):  # previous partners and don't-pair wishes
        forbidden[rng.randrange(mentees), rng.randrange(len(mentors))] = True
    return seekers, mentors, forbidden


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=2000)
    parser.add_argument("--places", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    seekers, mentors, forbidden = people(args.mentees, args.places, random.Random(6))
    places = [m.open_places for m in mentors]

    ours, theirs, build = [], [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        points = score_matrix(seekers, mentors)
        built = time.perf_counter()
        pairs = assign(points, places, forbidden)
        ours.append(time.perf_counter() - started)
        build.append(built - started)

        # The same matrix SciPy is given on its own: expanded by place, forbidden cells 0.
        columns = np.repeat(np.arange(len(mentors)), places)
        same = np.where(forbidden, 0, points)[:, columns]
        started = time.perf_counter()
        rows, cols = linear_sum_assignment(same, maximize=True)
        theirs.append(time.perf_counter() - started)
    our_total = int(sum(points[i, j] for i, j in pairs))
    scipy_total = int(
        sum(same[r, c] for r, c in zip(rows, cols, strict=True) if not forbidden[r, columns[c]])
    )
    best_ours, best_scipy = min(ours), min(theirs)
    ratio = best_ours / best_scipy
    print_table(
        f"batch match, {args.mentees:,} mentees x {args.places:,} places "
        f"({len(mentors):,} mentors); target ratio <= {TARGET_RATIO}",
        ["what", "seconds", "total score"],
        [
            ["ours (build matrix + assign)", round(best_ours, 3), our_total],
            ["  of which building the matrix", round(min(build), 3), ""],
            ["SciPy linear_sum_assignment alone", round(best_scipy, 3), scipy_total],
            [
                "ratio ours / SciPy",
                round(ratio, 3),
                "equal" if our_total == scipy_total else "DIFFERENT",
            ],
        ],
    )
    print_json(
        {
            "bench": "batch_match",
            "n": args.mentees,
            "places": args.places,
            "seconds": round(best_ours, 3),
            "scipy_seconds": round(best_scipy, 3),
            "ratio": round(ratio, 3),
            "total": our_total,
            "scipy_total": scipy_total,
            "equal": our_total == scipy_total,
        }
    )


if __name__ == "__main__":
    main()
