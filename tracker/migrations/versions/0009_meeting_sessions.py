"""meeting sessions: attendees as people and organisations, and the agenda (issue 19)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

``meeting_attendee`` lists the people and organisations expected at (or present at) a
meeting; free-text guests stay in ``meeting.attendees``. ``agenda_item`` is a meeting's
agenda: the actions in the coordinator's order with the reasons they are there. Existing
meetings keep their attendees text and start with an empty agenda.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_attendee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (organisation_id IS NULL)", name="ck_meeting_attendee_one"
        ),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meeting_attendee") as batch:
        batch.create_index("ix_meeting_attendee_meeting_id", ["meeting_id"], unique=False)
    op.create_table(
        "agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "action_id", name="uq_agenda_item"),
    )
    with op.batch_alter_table("agenda_item") as batch:
        batch.create_index("ix_agenda_item_meeting_id", ["meeting_id"], unique=False)
        batch.create_index("ix_agenda_item_action_id", ["action_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agenda_item") as batch:
        batch.drop_index("ix_agenda_item_action_id")
        batch.drop_index("ix_agenda_item_meeting_id")
    op.drop_table("agenda_item")
    with op.batch_alter_table("meeting_attendee") as batch:
        batch.drop_index("ix_meeting_attendee_meeting_id")
    op.drop_table("meeting_attendee")
