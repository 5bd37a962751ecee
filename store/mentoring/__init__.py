"""Mentoring's tables (models), its tag index (tags) and its queries."""
