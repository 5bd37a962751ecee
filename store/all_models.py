"""Imports every module that defines tables, so Base.metadata is complete."""

from store import events, files, mentoring, models, overflow  # noqa: F401
