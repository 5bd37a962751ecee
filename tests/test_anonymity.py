"""The anonymity rule against a determined reader (bot/anonymity.py).

A reader may look at a round's results as often as they like while answers come in,
and ask for every breakdown and filter on offer. The property: no set of answers that
any one view shows, or that any two views let the reader work out by subtraction,
holds between one and four answers, so no single answer can be derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import anonymity
from bot.anonymity import MIN_FOR_SCORES, release

ROLES = ("mentor", "mentee")
PLACES = ("Leeds", "York", "Hull")


@dataclass
class Round:
    """A round as every feature keeps it: receipts apart from answers, one per person."""

    closed: bool = False
    receipts: set[int] = field(default_factory=set)
    answers: list[tuple[int, str, str, bool]] = field(default_factory=list)  # (n, role, place, c)

    def answer(self, person: int, role: str, place: str, comment: bool) -> None:
        if self.closed or person in self.receipts:
            return
        self.receipts.add(person)
        self.answers.append((len(self.answers), role, place, comment))

    def breakdowns(self) -> dict[str, dict[object, set[int]]]:
        """Every breakdown the reader may ask for, as the answers in each group."""
        by_role = {r: {a[0] for a in self.answers if a[1] == r} for r in ROLES}
        by_place = {p: {a[0] for a in self.answers if a[2] == p} for p in PLACES}
        leeds = {r: {a[0] for a in self.answers if a[1] == r and a[2] == "Leeds"} for r in ROLES}
        return {"role": by_role, "place": by_place, "Leeds by role": leeds}

    def view(self) -> list[frozenset[int]]:
        """The sets of answers whose aggregate the reader sees, and what each breakdown
        lets them derive (the total less every shown group)."""
        comments = sum(1 for a in self.answers if a[3])
        shown = release(
            closed=self.closed,
            answers=len(self.answers),
            answered=len(self.receipts),
            comments=comments,
            breakdowns=self.breakdowns(),
        )
        if not shown.scores:
            return []
        everyone = frozenset(a[0] for a in self.answers)
        seen = [everyone]
        members = {
            "role": lambda a, g: a[1] == g,
            "place": lambda a, g: a[2] == g,
            "Leeds by role": lambda a, g: a[2] == "Leeds" and a[1] == g,
        }
        for name, counts in self.breakdowns().items():
            groups = [
                frozenset(a[0] for a in self.answers if members[name](a, g))
                for g in counts
                if shown.shows(name, g)
            ]
            seen += groups
            seen.append(everyone - frozenset().union(*groups))
        return [s for s in seen if s]


answer = st.tuples(
    st.just("answer"),
    st.integers(0, 40),
    st.sampled_from(ROLES),
    st.sampled_from(PLACES),
    st.booleans(),
)
# Mostly answers, a reader looking often, and the round closing somewhere (or never).
steps = st.lists(st.one_of(answer, answer, answer, st.just(("view",))), min_size=5, max_size=120)
scripts = st.builds(
    lambda s, at: [*s[:at], ("close",), *s[at:]] if at is not None else s,
    steps,
    st.one_of(st.none(), st.integers(0, 120)),
)


@settings(max_examples=400, deadline=None)
@given(scripts)
def test_no_answer_can_be_derived_from_any_two_views(script: list[tuple]) -> None:
    round_ = Round()
    views: list[list[frozenset[int]]] = []
    for step in script:
        if step[0] == "answer":
            round_.answer(*step[1:])
        elif step[0] == "close":
            round_.closed = True
        else:
            views.append(round_.view())
    views.append(round_.view())
    for first, second in combinations(views, 2):
        if first and second:
            assert first == second, "what is shown moved after the round closed"
    for one in views:
        for a in one:
            assert len(a) >= MIN_FOR_SCORES or not a
            for b in one:
                if b < a:
                    assert len(a - b) >= MIN_FOR_SCORES, (a, b)
    assert len(round_.answers) <= len(round_.receipts)


def test_nothing_is_shown_while_the_round_is_open() -> None:
    assert not release(closed=False, answers=50, answered=50, comments=50).scores
    shown = release(closed=True, answers=50, answered=50, comments=50)
    assert shown.scores and shown.text


def test_more_answers_than_people_shows_nothing() -> None:
    assert not release(closed=True, answers=6, answered=1).scores


def test_the_text_minimum_counts_comments_not_respondents() -> None:
    assert not release(closed=True, answers=30, answered=30, comments=1).text
    assert release(closed=True, answers=30, answered=30, comments=10).text


def test_a_filter_counts_everyone_else_as_a_hidden_sibling() -> None:
    # 12 answers; the filter offers Leeds' 6 mentors and 5 mentees: the one person
    # outside Leeds would be the total less both groups, so the smaller group is hidden.
    shown = release(
        closed=True, answers=12, answered=12, breakdowns={"Leeds": {"mentor": 6, "mentee": 5}}
    )
    assert shown.shows("Leeds", "mentor") and not shown.shows("Leeds", "mentee")


def test_the_old_helpers_still_answer() -> None:
    assert anonymity.can_show(5) and not anonymity.can_show(9, "text")
    assert anonymity.shown_groups({"a": 7, "b": 2, "c": 6}) == {"a"}
    assert anonymity.keeps(4, 4) == (False, False)
    assert anonymity.keeps(12, 3) == (True, False)
