"""reminder lines and schedule rows name their rows without foreign keys

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02

Issue 15. PostgreSQL checks a foreign key row by row, one trigger call and index probe
for each inserted row, however few distinct rows are named: a first tick at 100,000
actions records 73,757 lines, each naming a programme, a person and a mail, and
100,000 schedule rows, each naming an action. Recording the 73,757 lines took
2.1-2.4 s with the three checks and 0.8-0.9 s without (alternating, load 2); the
schedule rows 1.0 s with theirs and 0.5 s without. Migration 0021 kept these three
on the guess that only the rows locked mattered; they cost more than its action key.

What they guarded the writing already guarantees. Lines and schedule rows are written
only by ``INSERT ... SELECT`` from the rows they name, in the same transaction: lines
from ``action``, ``programme``, ``user`` and the mails the same statement group made;
schedule rows from ``action``. No code deletes a programme, a person or an action,
and the only mails deleted are those the grouping left without a line. Reading
tolerates a missing row anyway (the send-time re-check cancels a line whose
programme, person or action is gone), and the Cambodia season's test checks that
every row its year of ticks names exists. The API token's key
stays (its lines are few, and a token can be deleted).
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINE_KEYS = (
    ("fk_reminder_line_outbox_message_id_outbox_message", "outbox_message", "outbox_message_id"),
    ("fk_reminder_line_programme_id_programme", "programme", "programme_id"),
    ("fk_reminder_line_recipient_user_id_user", "user", "recipient_user_id"),
)


def upgrade() -> None:
    with op.batch_alter_table("reminder_line", schema=None) as batch_op:
        for name, _table, _column in LINE_KEYS:
            batch_op.drop_constraint(batch_op.f(name), type_="foreignkey")
    with op.batch_alter_table("reminder_schedule", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_reminder_schedule_action_id_action"), type_="foreignkey"
        )


def downgrade() -> None:
    with op.batch_alter_table("reminder_schedule", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_reminder_schedule_action_id_action"), "action", ["action_id"], ["id"]
        )
    with op.batch_alter_table("reminder_line", schema=None) as batch_op:
        for name, table, column in LINE_KEYS:
            batch_op.create_foreign_key(batch_op.f(name), table, [column], ["id"])
