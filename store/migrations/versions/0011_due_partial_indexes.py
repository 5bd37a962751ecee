"""due partial indexes: each due index holds only active pairs with that date set

Revision ID: 0011_due_partial_indexes
Revises: 0010_nominations
Create Date: 2026-12-04 15:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_due_partial_indexes"
down_revision: str | None = "0010_nominations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "mentoring_relationships"
DUE_DATES = {
    "nudge": "nudge_due_on",
    "check": "check_due_on",
    "cycle": "cycle_due_on",
    "stall": "stall_due_on",
    "midpoint": "midpoint_due_on",
    "end": "end_due_on",
}


def upgrade() -> None:
    for kind, column in DUE_DATES.items():
        name = f"ix_{TABLE}_{kind}_due"
        where = sa.text(f"status = 'active' AND {column} IS NOT NULL")
        op.drop_index(name, table_name=TABLE)
        # status leads: without ANALYZE, SQLite would otherwise take the (status, scheme_id)
        # index for `status = 'active'` and sort.
        op.create_index(name, TABLE, ["status", column], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for kind, column in DUE_DATES.items():
        name = f"ix_{TABLE}_{kind}_due"
        op.drop_index(name, table_name=TABLE)
        op.create_index(name, TABLE, ["status", column])
