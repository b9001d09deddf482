"""reminder lines name their action without a foreign key

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02

Issue 15. A tick records tens of thousands of lines in one statement, each naming an
action, and PostgreSQL checked each against ``action`` by locking the action's row
(``FOR KEY SHARE``): a write to the row's header on as many pages of ``action`` as the
tick names actions (26,000 in the week-later tick at 100,000 actions), each page
logged whole after a checkpoint. The check guarded nothing the schema does not already:
lines are written only by ``INSERT ... SELECT`` from ``action`` rows in the same
transaction, no code deletes an action, and an action with any history cannot be
deleted (its events' foreign key, ``action_event``, refuses it). Recording the week-later tick's 54,400 lines: about 2.8-3.3 s with the
check, 2.2-2.7 s without, at load 5 (the other three checks stay: programme, person,
mail, which name a few thousand rows at most).
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_line", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reminder_line_action_id_action"), type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("reminder_line", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_reminder_line_action_id_action"), "action", ["action_id"], ["id"]
        )
