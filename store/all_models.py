"""Imports every module that defines tables, so Base.metadata is complete."""

from store import events, mentoring, models, overflow  # noqa: F401
