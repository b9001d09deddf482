"""updates shown on the public page (issue 11)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

``published_update`` marks the journal entries a coordinator shows on the programme's
public page (their comment, evidence link and files); nothing is public at the upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "published_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("published_at", tracker.models.UTCDateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["action_event.id"],
            name=op.f("fk_published_update_event_id_action_event"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_published_update_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["user.id"], name=op.f("fk_published_update_published_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_update")),
        sa.UniqueConstraint("event_id", name=op.f("uq_published_update_event_id")),
    )
    op.create_index(
        op.f("ix_published_update_action_id"), "published_update", ["action_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_published_update_action_id"), table_name="published_update")
    op.drop_table("published_update")
