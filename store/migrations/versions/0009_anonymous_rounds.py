"""anonymous rounds: which rounds' answers have been sealed (shuffled under fresh keys)

Revision ID: 0009_anonymous_rounds
Revises: 0008_audit_log
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_anonymous_rounds"
down_revision: str | None = "0008_audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anonymous_sealed_rounds",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_anonymous_sealed_rounds")),
    )


def downgrade() -> None:
    op.drop_table("anonymous_sealed_rounds")
