"""overflow replies: long Slack (or other) replies kept for their "Show more" buttons

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:06:13.224516
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "overflow_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("workspace", sa.String(length=100), nullable=False),
        sa.Column("reader", sa.String(length=100), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overflow_replies")),
        sa.UniqueConstraint("token", name=op.f("uq_overflow_replies_token")),
    )
    with op.batch_alter_table("overflow_replies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_overflow_replies_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("overflow_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_overflow_replies_created_at"))

    op.drop_table("overflow_replies")
