"""How mentors are indexed for `mentor find`: each specialism, piece of equipment and
registration becomes a tag (`s:`, `e:`, `r:`) worth the points the matching rule gives
its kind (handlers/mentoring/matching.py owns the weights), and every word of them a
`w:` tag worth nothing, which is how free words find mentors through the same index.
"""

from __future__ import annotations

from collections.abc import Mapping


def normal(word: str) -> str:
    return " ".join(word.lower().split())


def tags_of(kind: str, words: list[str] | tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(f"{kind}:{normal(word)}"[:120] for word in words if normal(word)))


Weights = Mapping[str, int]  # points per shared tag, by kind ("s", "e", "r")


def mentor_tags(
    specialisms: list[str], equipment: list[str], registration_held: list[str], weights: Weights
) -> list[tuple[str, int]]:
    """The tags a mentor is found by, each with the points `weights` gives its kind."""
    tags = [*tags_of("s", specialisms), *tags_of("e", equipment), *tags_of("r", registration_held)]
    return [(tag, weights[tag[0]]) for tag in dict.fromkeys(tags)]


def word_keys(text: str, *, parts: bool = False) -> list[str]:
    """The words of `text` as `mentor find <words>` compares them: lower case, no
    punctuation but hyphens, a plural's "s" dropped. With `parts`, a hyphenated word
    gives its parts too, so a mentor of "LC-MS" is found by "ms" as well as "lc-ms".
    """
    cleaned = "".join(c if c.isalnum() or c == "-" else " " for c in text.lower())
    words = [word.strip("-") for word in cleaned.split()]
    if parts:
        words += [part for word in words if "-" in word for part in word.split("-")]
    return list(dict.fromkeys(_singular(word)[:60] for word in words if len(word) > 1))


def _singular(word: str) -> str:
    plural = len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))
    return word[:-1] if plural else word


def find_tags(
    specialisms: list[str], equipment: list[str], registration_held: list[str], weights: Weights
) -> list[tuple[str, int]]:
    """Every tag a mentor with room is indexed by: the scored ones, and a `w:<word>` tag
    (worth nothing) for each word of their specialisms and equipment, which is how
    free words find them through the same index.
    """
    words = word_keys(" ".join([*specialisms, *equipment]), parts=True)
    return mentor_tags(specialisms, equipment, registration_held, weights) + [
        (f"w:{w}", 0) for w in words
    ]
