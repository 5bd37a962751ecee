"""anonymous answers: receipts apart from attendance, random row keys, evaluation rounds

Event feedback receipts move off the attendance row (which unticking deletes) into
their own table. Anonymous answer tables get random integer keys (the rowid itself
on SQLite), rewritten in a shuffled order; evaluation answers and receipts gain the
round they belong to (those already given form one closed round, "earlier").

Revision ID: 0012_anonymous_answers
Revises: 0011_due_partial_indexes
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_anonymous_answers"
down_revision: str | None = "0011_due_partial_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _rewrite(table: str, columns: list[sa.Column], new_columns: dict[str, str], index) -> None:  # type: ignore[no-untyped-def]
    """Recreate an anonymous answer table with random keys, rows in a shuffled order."""
    bind = op.get_bind()
    names = [c.name for c in columns if c.name != "id"]
    rows = [
        dict(r._mapping)
        for r in bind.execute(
            sa.text(f"SELECT {', '.join(n for n in names if n not in new_columns)} FROM {table}")
        )
    ]
    op.drop_table(table)
    created = op.create_table(
        table,
        sa.Column("id", KEY, autoincrement=False, nullable=False),
        *columns[1:],
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )
    index()
    random.SystemRandom().shuffle(rows)
    for row in rows:
        row["id"] = secrets.randbelow(2**62) + 1
        row.update(new_columns)
    if rows:
        op.bulk_insert(created, rows)


def upgrade() -> None:
    op.create_table(
        "event_feedback_receipts",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_feedback_receipts_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_event_feedback_receipts_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "member_id", name=op.f("pk_event_feedback_receipts")),
    )
    op.create_index(
        op.f("ix_event_feedback_receipts_member_id"), "event_feedback_receipts", ["member_id"]
    )
    op.execute(
        "INSERT INTO event_feedback_receipts (event_id, member_id) "
        "SELECT event_id, member_id FROM event_attendance WHERE feedback_given"
    )
    with op.batch_alter_table("event_attendance") as batch:
        batch.drop_column("feedback_given")

    _rewrite(
        "event_feedback",
        [
            sa.Column("id", KEY),
            sa.Column(
                "event_id",
                sa.Integer(),
                sa.ForeignKey(
                    "events.id", name="fk_event_feedback_event_id_events", ondelete="CASCADE"
                ),
                nullable=False,
            ),
            sa.Column("score", sa.Integer(), nullable=False),
            sa.Column("comment", sa.Text(), nullable=True),
        ],
        {},
        lambda: op.create_index("ix_event_feedback_event_id", "event_feedback", ["event_id"]),
    )
    _rewrite(
        "mentoring_evaluation_responses",
        [
            sa.Column("id", KEY),
            sa.Column(
                "scheme_id",
                sa.Integer(),
                sa.ForeignKey(
                    "mentoring_schemes.id",
                    name="fk_mentoring_evaluation_responses_scheme_id_mentoring_schemes",
                    ondelete="CASCADE",
                ),
                nullable=False,
            ),
            sa.Column("stage", sa.String(length=10), nullable=False),
            sa.Column("round", sa.String(length=8), nullable=False),
            sa.Column("role", sa.String(length=10), nullable=False),
            sa.Column("scores", sa.JSON(), nullable=False),
            sa.Column("comment", sa.Text(), nullable=True),
        ],
        {"round": "earlier"},
        lambda: op.create_index(
            "ix_mentoring_evaluation_responses_scheme",
            "mentoring_evaluation_responses",
            ["scheme_id", "stage", "round"],
        ),
    )
    with op.batch_alter_table("mentoring_evaluation_returns") as batch:
        batch.add_column(
            sa.Column("round", sa.String(length=8), nullable=False, server_default="earlier")
        )
    with op.batch_alter_table("mentoring_evaluation_returns") as batch:
        batch.alter_column("round", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("mentoring_evaluation_returns") as batch:
        batch.drop_column("round")
    for table in ("mentoring_evaluation_responses", "event_feedback"):
        op.execute(f"DELETE FROM {table}")  # random keys do not fit the old text keys' meaning
    op.drop_index("ix_mentoring_evaluation_responses_scheme", "mentoring_evaluation_responses")
    with op.batch_alter_table("mentoring_evaluation_responses") as batch:
        batch.drop_column("round")
        batch.alter_column("id", type_=sa.String(length=32), existing_type=KEY)
    op.create_index(
        "ix_mentoring_evaluation_responses_scheme",
        "mentoring_evaluation_responses",
        ["scheme_id", "stage"],
    )
    with op.batch_alter_table("event_feedback") as batch:
        batch.alter_column("id", type_=sa.String(length=32), existing_type=KEY)
    with op.batch_alter_table("event_attendance") as batch:
        batch.add_column(
            sa.Column("feedback_given", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE event_attendance SET feedback_given = "
        + sa.true().compile(dialect=op.get_bind().dialect).string
        + " WHERE EXISTS (SELECT 1 FROM event_feedback_receipts r WHERE"
        " r.event_id = event_attendance.event_id AND r.member_id = event_attendance.member_id)"
    )
    op.drop_index(op.f("ix_event_feedback_receipts_member_id"), "event_feedback_receipts")
    op.drop_table("event_feedback_receipts")
