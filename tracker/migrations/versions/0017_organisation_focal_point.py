"""organisation focal point: who gets an organisation's reminders

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

Issue 15. An action owned by an organisation reminds every active member acting in its
programme; an organisation may name one member, its focal point, to receive them
instead. NULL (every existing organisation) keeps today's behaviour. A plain column
without a foreign key: user already refers to organisation, and the rule only uses the
id while it names an active member (a stale id falls back to every member).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("organisation", sa.Column("focal_point_user_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop organisation, which
    # every user row refers to, and fail its foreign keys.
    op.execute("ALTER TABLE organisation DROP COLUMN focal_point_user_id")
