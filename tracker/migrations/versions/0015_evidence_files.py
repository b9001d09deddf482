"""evidence files and one-tap reminder links (issue 18)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

``evidence_file`` keeps the files attached to updates (their bytes, as BYTEA or BLOB,
with name, type, size, SHA-256, uploader and withdrawal), so every web host serves the
same files and a backup carries them. ``used_reminder_link`` records each reminder
"Done" link that was used, so it works once. The journal learns ``confirmed`` (on track,
from a reminder) and ``evidence_withdrawn``, and a ``via`` column ("reminder") for
changes made from a reminder's link.

The journal, which nothing pointed at before this revision, is rebuilt in batch mode on
SQLite to change its CHECK constraint, before the new tables point at it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "created", "status_changed", "owner_changed", "due_date_changed", "comment",
    "repeated", "reworded", "split_off", "merged", "dropped", "detached",
    "verified", "sent_back",
)  # fmt: skip
NEW_KINDS = (*OLD_KINDS, "confirmed", "evidence_withdrawn")


def _kinds(kinds: Sequence[str]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    with op.batch_alter_table("action_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("via", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.drop_constraint(op.f("ck_action_event_eventkind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_action_event_eventkind"), _kinds(NEW_KINDS))

    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.Column("uploaded_at", tracker.models.UTCDateTime(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", tracker.models.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("withdrawal_event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_evidence_file_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["action_event.id"], name=op.f("fk_evidence_file_event_id_action_event")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user.id"], name=op.f("fk_evidence_file_uploaded_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["user.id"], name=op.f("fk_evidence_file_withdrawn_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawal_event_id"],
            ["action_event.id"],
            name=op.f("fk_evidence_file_withdrawal_event_id_action_event"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_file")),
    )
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_file_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_file_event_id"), ["event_id"], unique=False)

    op.create_table(
        "used_reminder_link",
        sa.Column("token_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("used_at", tracker.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_used_reminder_link_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_used_reminder_link_user_id_user")
        ),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_used_reminder_link")),
    )
    with op.batch_alter_table("used_reminder_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_used_reminder_link_action_id"), ["action_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_used_reminder_link_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("used_reminder_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_reminder_link_user_id"))
        batch_op.drop_index(batch_op.f("ix_used_reminder_link_action_id"))
    op.drop_table("used_reminder_link")
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_file_event_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_file_action_id"))
    op.drop_table("evidence_file")
    op.execute(sa.text("DELETE FROM action_event WHERE " + _kinds(NEW_KINDS[len(OLD_KINDS) :])))
    with op.batch_alter_table("action_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_action_event_eventkind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_action_event_eventkind"), _kinds(OLD_KINDS))
        batch_op.drop_column("via")
