"""Imports every module that defines tables, so Base.metadata is complete."""

from store import mentoring, models  # noqa: F401
