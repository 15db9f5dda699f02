"""Learned reward weights count group units per owner (one tenant cannot poison everyone).

``reward_reliability`` summed *pairs* over every owner: a best_of 64 group was hundreds of
pairs, and one tenant's labels decided the weights of all (docs/learning.md). Its counts
cannot be split into groups and owners, so they are dropped and learning starts over:
``reliability_owners`` keeps, per (task, reward, owner), the separating groups and their
shares ordered right. Every group's bookkeeping (``reliability_groups``) is cleared and
every feedback row marked uncounted, so the writer's sweeps recount the feedback-labelled
groups under the new rule (up to 200 traces per refresh). Groups labelled only by a
``reference`` or a verifier are not recounted: they teach again from new traffic.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reliability_owners",
        sa.Column("task", sa.String(32), primary_key=True),
        sa.Column("reward", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(80), primary_key=True),
        sa.Column("right", sa.Float(), nullable=False),
        sa.Column("groups", sa.Integer(), nullable=False),
        sa.Column("pairs_right", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("ties", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Float(), nullable=False),
    )
    op.drop_table("reward_reliability")
    op.execute(sa.text("DELETE FROM reliability_groups"))
    op.execute(sa.text("UPDATE feedback SET counted = :no").bindparams(no=False))


def downgrade() -> None:
    # The pair totals come back empty (the per-owner units do not give pairs per group).
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
    op.drop_table("reliability_owners")
    op.execute(sa.text("DELETE FROM reliability_groups"))
    op.execute(sa.text("UPDATE feedback SET counted = :no").bindparams(no=False))
