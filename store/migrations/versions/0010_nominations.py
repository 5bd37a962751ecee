"""nominations: award drives, categories, panel, nominations, supporting statements, scores

Revision ID: 0010_nominations
Revises: 0009_anonymous_rounds
Create Date: 2026-12-04 14:52:50.303300
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_nominations"
down_revision: str | None = "0009_anonymous_rounds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nomination_drives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("award", sa.Text(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("internal_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("external_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("reach", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_first_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_last_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_panel_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["members.id"],
            name=op.f("fk_nomination_drives_coordinator_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_drives")),
    )
    with op.batch_alter_table("nomination_drives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_drives_coordinator_id"), ["coordinator_id"], unique=False
        )
        batch_op.create_index(
            "ix_nomination_drives_status", ["status", "internal_deadline"], unique=False
        )

    op.create_table(
        "nomination_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("eligibility", sa.Text(), nullable=False),
        sa.Column("career_stages", sa.JSON(), nullable=False),
        sa.Column("institutions", sa.JSON(), nullable=False),
        sa.Column("word_limit", sa.Integer(), nullable=False),
        sa.Column("self_nomination", sa.Boolean(), nullable=False),
        sa.Column("declined", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drive_id"],
            ["nomination_drives.id"],
            name=op.f("fk_nomination_categories_drive_id_nomination_drives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_categories")),
    )
    with op.batch_alter_table("nomination_categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_categories_drive_id"), ["drive_id"], unique=False
        )

    op.create_table(
        "nomination_panelists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drive_id"],
            ["nomination_drives.id"],
            name=op.f("fk_nomination_panelists_drive_id_nomination_drives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_nomination_panelists_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_panelists")),
        sa.UniqueConstraint(
            "drive_id", "member_id", name=op.f("uq_nomination_panelists_drive_id_member_id")
        ),
    )
    with op.batch_alter_table("nomination_panelists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_panelists_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("nominee_id", sa.Integer(), nullable=False),
        sa.Column("nominator_id", sa.Integer(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("shortlisted", sa.Boolean(), nullable=False),
        sa.Column("winner", sa.Boolean(), nullable=False),
        sa.Column("certificate_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["nomination_categories.id"],
            name=op.f("fk_nominations_category_id_nomination_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["drive_id"],
            ["nomination_drives.id"],
            name=op.f("fk_nominations_drive_id_nomination_drives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_nominations_institution_id_institutions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["nominator_id"],
            ["members.id"],
            name=op.f("fk_nominations_nominator_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["nominee_id"],
            ["members.id"],
            name=op.f("fk_nominations_nominee_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominations")),
        sa.UniqueConstraint(
            "category_id", "nominee_id", name=op.f("uq_nominations_category_id_nominee_id")
        ),
    )
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nominations_drive_id"), ["drive_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_nominations_nominator_id"), ["nominator_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_nominations_nominee_id"), ["nominee_id"], unique=False)

    op.create_table(
        "nomination_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("panelist_id", sa.Integer(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_nomination_conflicts_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["panelist_id"],
            ["members.id"],
            name=op.f("fk_nomination_conflicts_panelist_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_conflicts")),
        sa.UniqueConstraint(
            "nomination_id",
            "panelist_id",
            name=op.f("uq_nomination_conflicts_nomination_id_panelist_id"),
        ),
    )
    with op.batch_alter_table("nomination_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_conflicts_nomination_id"), ["nomination_id"], unique=False
        )

    op.create_table(
        "nomination_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["members.id"],
            name=op.f("fk_nomination_feedback_coordinator_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_nomination_feedback_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_feedback")),
    )
    with op.batch_alter_table("nomination_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_feedback_nomination_id"), ["nomination_id"], unique=False
        )

    op.create_table(
        "nomination_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("panelist_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_nomination_scores_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["panelist_id"],
            ["members.id"],
            name=op.f("fk_nomination_scores_panelist_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_scores")),
        sa.UniqueConstraint(
            "nomination_id",
            "panelist_id",
            name=op.f("uq_nomination_scores_nomination_id_panelist_id"),
        ),
    )
    with op.batch_alter_table("nomination_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_scores_nomination_id"), ["nomination_id"], unique=False
        )

    op.create_table(
        "nomination_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("supporter_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_nomination_supports_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["members.id"],
            name=op.f("fk_nomination_supports_supporter_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_supports")),
        sa.UniqueConstraint(
            "nomination_id",
            "supporter_id",
            name=op.f("uq_nomination_supports_nomination_id_supporter_id"),
        ),
    )
    with op.batch_alter_table("nomination_supports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_supports_supporter_id"), ["supporter_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("nomination_supports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_supports_supporter_id"))

    op.drop_table("nomination_supports")
    with op.batch_alter_table("nomination_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_scores_nomination_id"))

    op.drop_table("nomination_scores")
    with op.batch_alter_table("nomination_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_feedback_nomination_id"))

    op.drop_table("nomination_feedback")
    with op.batch_alter_table("nomination_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_conflicts_nomination_id"))

    op.drop_table("nomination_conflicts")
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nominations_nominee_id"))
        batch_op.drop_index(batch_op.f("ix_nominations_nominator_id"))
        batch_op.drop_index(batch_op.f("ix_nominations_drive_id"))

    op.drop_table("nominations")
    with op.batch_alter_table("nomination_panelists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_panelists_member_id"))

    op.drop_table("nomination_panelists")
    with op.batch_alter_table("nomination_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_categories_drive_id"))

    op.drop_table("nomination_categories")
    with op.batch_alter_table("nomination_drives", schema=None) as batch_op:
        batch_op.drop_index("ix_nomination_drives_status")
        batch_op.drop_index(batch_op.f("ix_nomination_drives_coordinator_id"))

    op.drop_table("nomination_drives")
