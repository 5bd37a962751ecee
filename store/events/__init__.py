"""Events' tables (models) and queries."""
