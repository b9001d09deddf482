"""action translation: a Khmer (or other) title and recommendation text per action (issue 12)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

The English text stays the record; a translation keeps the digest of the text it was
made from, so a rewording in a later edition shows it as out of date.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "action_translation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("source_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("updated_at", tracker.models.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name="fk_action_translation_action_id_action"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name="fk_action_translation_updated_by_id_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_action_translation"),
        sa.UniqueConstraint("action_id", "language", name="uq_action_translation_language"),
    )
    with op.batch_alter_table("action_translation", schema=None) as batch_op:
        batch_op.create_index("ix_action_translation_action_id", ["action_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("action_translation", schema=None) as batch_op:
        batch_op.drop_index("ix_action_translation_action_id")
    op.drop_table("action_translation")
