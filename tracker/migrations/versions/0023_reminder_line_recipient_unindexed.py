"""reminder lines without an index on their recipient

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02

Issue 15. The index served the recipient's foreign key (gone in 0022); no query looks
lines up by recipient (a mail's lines are read by their mail, a series' by its action
and key). Each line a tick records wrote an entry into it: inserting the 129,935 lines of a
first and a week-later tick at 100,000 actions took 1.75-1.97 s with it and 1.49-1.90 s
without (four alternating runs on PostgreSQL), about a tenth.
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_reminder_line_recipient_user_id", table_name="reminder_line")


def downgrade() -> None:
    op.create_index(
        "ix_reminder_line_recipient_user_id", "reminder_line", ["recipient_user_id"]
    )
