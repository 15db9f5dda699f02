"""The first schema: traces, their candidates, feedback.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "traces",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("stored_at", sa.Float(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(64), nullable=False),
        sa.Column("model", sa.String(256), nullable=False),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("profile", sa.String(128), nullable=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("selected_index", sa.Integer(), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
    )
    op.create_index("ix_traces_owner_stored_at", "traces", ["owner", "stored_at"])
    op.create_index("ix_traces_stored_at", "traces", ["stored_at"])
    op.create_index("ix_traces_task", "traces", ["task"])
    op.create_table(
        "candidates",
        sa.Column(
            "trace_id",
            sa.String(128),
            sa.ForeignKey("traces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("index", sa.Integer(), primary_key=True),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("advantages", sa.JSON(), nullable=False),
        sa.Column("verdicts", sa.JSON(), nullable=False),
        sa.Column("vetoed", sa.Boolean(), nullable=False),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("combined", sa.Float(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("verified_by", sa.String(64), nullable=True),
        sa.Column("verified_evidence", sa.String(512), nullable=True),
    )
    op.create_table(
        "feedback",
        sa.Column("pk", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("feedback_id", sa.String(128), nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("trace_id", sa.String(128), nullable=False),
        sa.Column("candidate_index", sa.Integer(), nullable=False),
        sa.Column("choice_index", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("value_type", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created", sa.Float(), nullable=False),
        sa.UniqueConstraint("owner", "feedback_id", name="uq_feedback_owner_id"),
    )
    op.create_index("ix_feedback_trace_id", "feedback", ["trace_id"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("candidates")
    op.drop_table("traces")
