"""Row ids read back from button values and form state.

A button value comes from the member's client and may be forged: anything that is not
a plain positive number that fits a 32-bit signed integer (the smallest id column we
use, PostgreSQL's INTEGER) is treated as no id at all, so the handler answers "this
button is out of date" rather than letting the database overflow.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1


def as_id(value: object) -> int | None:
    """The id a button or form names, or None if it is not one we could have issued."""
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
