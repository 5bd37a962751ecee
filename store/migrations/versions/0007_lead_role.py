"""lead role: a role grant may name the one institution it holds for

Revision ID: 0007_lead_role
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_lead_role"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("institution_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_role_grants_institution_id_institutions"),
            "institutions",
            ["institution_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_role_grants_institution_id_institutions"), type_="foreignkey"
        )
        batch_op.drop_column("institution_id")
