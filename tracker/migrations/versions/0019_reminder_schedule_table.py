"""reminder schedule table: the planner's next instants move off ``action``

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

Issue 15. A reminder tick rewrote ``action.next_reminder_at`` for every action it
planned (26,000 a week at 100,000 actions, all 100,000 in a first tick). The column is
indexed, so PostgreSQL could not update it in place: each write was a new copy of the
action row and an entry in each of its eleven indexes (0.6-0.8 s for 26,000 rows,
4.7-6.9 s for 100,000, against 0.1 s and 0.4-0.6 s in this table). The instants
already computed move with the actions; an action without a row is computed again.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder_schedule",
        sa.Column("action_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_at", tracker.models.UTCDateTime(), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_reminder_schedule_action_id_action")
        ),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_reminder_schedule")),
    )
    op.create_index(
        op.f("ix_reminder_schedule_next_at"), "reminder_schedule", ["next_at"], unique=False
    )
    op.execute(
        "INSERT INTO reminder_schedule (action_id, next_at, generation) "
        "SELECT id, next_reminder_at, 0 FROM action WHERE next_reminder_at IS NOT NULL"
    )
    op.drop_index("ix_action_next_reminder_at", table_name="action")
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop action, which many
    # tables refer to, and fail their foreign keys.
    op.execute("ALTER TABLE action DROP COLUMN next_reminder_at")


def downgrade() -> None:
    op.add_column(
        "action", sa.Column("next_reminder_at", tracker.models.UTCDateTime(), nullable=True)
    )
    op.create_index("ix_action_next_reminder_at", "action", ["next_reminder_at"], unique=False)
    op.execute(
        "UPDATE action SET next_reminder_at = (SELECT next_at FROM reminder_schedule "
        "WHERE reminder_schedule.action_id = action.id)"
    )
    op.drop_index(op.f("ix_reminder_schedule_next_at"), table_name="reminder_schedule")
    op.drop_table("reminder_schedule")
