"""reminder schedule: when the planner next looks at an action (reminders at scale)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

A tick with nothing due reads only the actions whose ``next_reminder_at`` has come
(or is NULL, "compute again"), through an index, instead of every open action; the
escalation query runs once per programme and ISO week.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing actions start NULL: the first tick after the upgrade computes each once.
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_reminder_at", tracker.models.UTCDateTime(), nullable=True)
        )
        batch_op.create_index("ix_action_next_reminder_at", ["next_reminder_at"], unique=False)
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "escalation_planned_week",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("escalation_planned_week")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index("ix_action_next_reminder_at")
        batch_op.drop_column("next_reminder_at")
