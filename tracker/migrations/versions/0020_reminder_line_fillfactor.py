"""reminder lines leave room on their pages, so marking them sent updates them in place

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02

Issue 15, PostgreSQL only (SQLite rewrites a row where it lies). Delivery marks every
line of a sent mail ``sent`` minutes after planning wrote it, when its page is full:
PostgreSQL then writes a new copy of the row on another page and an entry for it in
each of the table's seven indexes. ``state`` is in no index, so with room left on the
page the copy stays there and no index is touched (a heap-only update). At 100,000
actions, the week-later tick's 54,400 lines: heap-only updates 11 % -> 73 % of the
tick's, the 40 mark-sent statements 2.6 -> 0.95 s (load 5). The cost is a table a
third larger than packed.
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 70


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE reminder_line SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE reminder_line RESET (fillfactor)")
