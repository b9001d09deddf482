"""meetings decisions, feed tokens and summary support (summary issue)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

Reserved in the chain so that work on separate issues cannot create two heads; the
issue that owns it fills in upgrade() and downgrade().
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
    pass


def downgrade() -> None:
    pass
