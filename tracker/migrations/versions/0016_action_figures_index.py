"""action figures index: the summary's counts read one covering index

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

Issue 15. The all-programmes summary counts actions grouped by programme, status,
verification and owners, with their due dates; an index over exactly those columns
lets both databases answer from the index without reading the action rows (on SQLite
at 100,000 actions the counting pass drops from about 100 ms to about 40 ms of CPU).
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "programme_id", "status", "verification", "owner_user_id", "owner_organisation_id", "due_on",
]  # fmt: skip


def upgrade() -> None:
    op.create_index("ix_action_figures", "action", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_action_figures", table_name="action")
