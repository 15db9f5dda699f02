"""Feedback rows say whether learning has counted them (a dropped recount is found later).

Rows stored before this migration start uncounted: the writer's first refreshes recount
their groups, which changes nothing where they had been counted (a recount replaces its
group's share).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(
            sa.Column("counted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_feedback_counted", ["counted"])


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_counted")
        batch.drop_column("counted")
