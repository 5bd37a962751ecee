"""One rule for every piece of free text a member sends: applied at the edge, to each
inbound before any feature sees it (commands' text, every form field and card input,
and the names and details the platforms tell us about a person).

Removed: C0 and C1 control characters except new line and tab (NUL included: it
must never reach a database, where PostgreSQL refuses it outright), bidirectional
overrides and isolates (U+202A–U+202E, U+2066–U+2069), and zero-width characters
(U+200B–U+200D, U+2060, U+FEFF). What is left is normalised to NFC, so the same
name typed on two keyboards is stored as the same text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Any

from bot.inbound import ButtonPress, Command, FormSubmission, Inbound, Profile

_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab \x09 and new line \x0a), DEL, C1
    "\u202a-\u202e\u2066-\u2069"  # bidirectional embeddings, overrides and isolates
    "\u200b-\u200d\u2060\ufeff]"  # zero-width space, non-joiner, joiner; word joiner; BOM
)


def clean(text: str) -> str:
    """Member text with the unwanted characters removed, in NFC."""
    return unicodedata.normalize("NFC", _UNWANTED.sub("", text))


def clean_value(value: Any) -> Any:
    """Strings cleaned wherever they sit in a submitted value (lists, nested dicts)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list | tuple):
        return type(value)(clean_value(item) for item in value)
    if isinstance(value, dict):
        return {key: clean_value(item) for key, item in value.items()}
    return value


def clean_profile(profile: Profile) -> Profile:
    name = clean(profile.display_name).strip() if profile.display_name else None
    email = clean(profile.email).strip() if profile.email else None
    return replace(profile, display_name=name or None, email=email or None)


def clean_inbound(inbound: Inbound) -> Inbound:
    """The inbound with every member-typed string and the platform's profile cleaned."""
    what = inbound.what
    if isinstance(what, Command):
        what = Command(text=clean(what.text))
    elif isinstance(what, ButtonPress):
        what = replace(what, inputs=clean_value(what.inputs))
    elif isinstance(what, FormSubmission):
        what = replace(what, fields=clean_value(what.fields))
    return replace(inbound, what=what, profile=clean_profile(inbound.profile))
