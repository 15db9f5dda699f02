"""Learned reward weights: each (task, reward)'s pair counts, and each group's share.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reward_reliability",
        sa.Column("task", sa.String(32), primary_key=True),
        sa.Column("reward", sa.String(64), primary_key=True),
        sa.Column("pairs_right", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("ties", sa.Integer(), nullable=False),
        sa.Column("groups", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Float(), nullable=False),
    )
    op.create_table(
        "reliability_groups",
        sa.Column("trace_id", sa.String(128), primary_key=True),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reliability_groups")
    op.drop_table("reward_reliability")
