"""outbox: an index on (status, created_at) for the retention job's range

Revision ID: 0016_outbox_retention_index
Revises: 0015_data_rights
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016_outbox_retention_index"
down_revision: str | None = "0015_data_rights"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_finished", "outbox", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_finished", table_name="outbox")
