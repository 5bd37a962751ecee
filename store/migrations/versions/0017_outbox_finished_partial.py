"""outbox: the retention index (status, created_at) holds finished rows only

Queued rows never enter it, so queueing a message writes one index fewer: a
morning's due sweep queues thousands. The retention job reads finished rows only.

Revision ID: 0017_outbox_finished_partial
Revises: 0016_outbox_retention_index
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_outbox_finished_partial"
down_revision: str | None = "0016_outbox_retention_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_outbox_finished"
# As store.models.OUTBOX_FINISHED_WHERE: the retention query says it word for word.
FINISHED = sa.text("status IN ('sent', 'skipped', 'dead')")


def upgrade() -> None:
    op.drop_index(NAME, table_name="outbox")
    op.create_index(
        NAME, "outbox", ["status", "created_at"], postgresql_where=FINISHED, sqlite_where=FINISHED
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="outbox")
    op.create_index(NAME, "outbox", ["status", "created_at"])
