"""meetings decisions, feed tokens and summary support (summary issue)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

No new table: meetings, feed tokens and decisions (events naming a meeting) already
exist; two indexes on the journal keep the summary and meeting pages fast.
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import tracker.models  # noqa: F401

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The summary's latest changes read the journal newest first; a meeting page
    # lists the decisions that name it.
    with op.batch_alter_table("action_event") as batch:
        batch.create_index("ix_action_event_at", ["at"])
        batch.create_index("ix_action_event_meeting_id", ["meeting_id"])


def downgrade() -> None:
    with op.batch_alter_table("action_event") as batch:
        batch.drop_index("ix_action_event_meeting_id")
        batch.drop_index("ix_action_event_at")
