"""Imports every module that defines tables, so Base.metadata is complete."""

from store import audit, events, files, mentoring, models, overflow  # noqa: F401
