"""indexes and rollups for scale (scale issue)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Reserved in the chain so that work on separate issues cannot create two heads; the
issue that owns it fills in upgrade() and downgrade().
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import tracker.models  # noqa: F401

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The actions list's default order begins with (due_on, id): PostgreSQL reads the
    # first page from this index (incremental sort) instead of sorting every action.
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index("ix_action_due_on_id", ["due_on", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index("ix_action_due_on_id")
