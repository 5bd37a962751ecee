"""Member text kept inert: what a member typed, shown back as typed and never acted on."""

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
