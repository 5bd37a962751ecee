"""Text helpers: member text kept inert (shown back as typed, never acted on), and counts
in words."""

from __future__ import annotations

import unicodedata

KEEP = "\n\t\u200d"  # new lines, tabs, and the joiner inside emoji sequences
HIDDEN = ("Cc", "Cf", "Co", "Cs")  # control, format (bidi overrides, zero-width), private


def inert(text: str) -> str:
    """Text as typed, less control and invisible formatting characters (right-to-left
    overrides, zero-width spaces): the renderers escape the rest."""
    kept = (ch for ch in text if ch in KEEP or unicodedata.category(ch) not in HIDDEN)
    return "".join(kept).strip()


def one_line(text: str) -> str:
    return " ".join(inert(text).split())


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 person", "3 people", "2 channels"."""
    return f"{count} {one if count == 1 else many or one + 's'}"
