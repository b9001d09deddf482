"""verified completion: an action's verification state, verifiers, new journal kinds

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

Issue 14. ``action.verification`` (not_required, awaiting, verified), with the before and
after on each journal event; ``programme.requires_verification``, off for the programmes
that exist at the upgrade (new ones start with it on); ``membership.verifies`` names a
programme's verifiers. Actions implemented at the upgrade become verified, so that no
progress figure moves; the others need none. The journal learns ``verified`` and
``sent_back``, the reminder lines ``verification`` (a verifier's digest line).

Plain ADD COLUMN on action, programme and membership (no batch copy): on SQLite a batch
would drop and rebuild tables others point at, which foreign keys refuse once there is
data. The journal and the reminder lines, which nothing points at, are rebuilt in batch
mode on SQLite to change their CHECK constraints.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERIFICATION = ("not_required", "awaiting", "verified")
OLD_EVENT_KINDS = (
    "created", "status_changed", "owner_changed", "due_date_changed", "comment",
    "repeated", "reworded", "split_off", "merged", "dropped", "detached",
)  # fmt: skip
NEW_EVENT_KINDS = (*OLD_EVENT_KINDS, "verified", "sent_back")
OLD_LINE_KINDS = ("own", "unassigned", "escalation", "countdown", "token_expiry")
NEW_LINE_KINDS = (*OLD_LINE_KINDS, "verification")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _verification(name: str) -> sa.Enum:
    return sa.Enum(
        *VERIFICATION, name=name, native_enum=False, create_constraint=True, length=20
    )


def _add_action_verification() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot ALTER a constraint in; a column may carry its own CHECK.
        op.execute(
            "ALTER TABLE action ADD COLUMN verification VARCHAR(20) DEFAULT 'not_required' "
            "NOT NULL CONSTRAINT ck_action_verification CHECK ("
            + _in("verification", VERIFICATION)
            + ")"
        )
        return
    op.add_column(
        "action",
        sa.Column(
            "verification",
            _verification("verification"),
            nullable=False,
            server_default="not_required",
        ),
    )


def upgrade() -> None:
    _add_action_verification()
    op.add_column(
        "programme",
        sa.Column(
            "requires_verification", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column(
        "membership",
        sa.Column("verifies", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    with op.batch_alter_table("action_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verification_from", _verification("verification_from"), nullable=True)
        )
        batch_op.add_column(
            sa.Column("verification_to", _verification("verification_to"), nullable=True)
        )
        batch_op.drop_constraint(batch_op.f("ck_action_event_eventkind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_action_event_eventkind"), sa.text(_in("kind", NEW_EVENT_KINDS))
        )
    with op.batch_alter_table("reminder_line", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_reminder_line_linekind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_reminder_line_linekind"), sa.text(_in("kind", NEW_LINE_KINDS))
        )
    # What was implemented before verification existed counts as verified: no figure moves.
    op.execute(
        sa.text("UPDATE action SET verification = 'verified' WHERE status = 'implemented'")
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM reminder_line WHERE kind = 'verification'"))
    op.execute(sa.text("DELETE FROM action_event WHERE kind IN ('verified', 'sent_back')"))
    with op.batch_alter_table("reminder_line", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_reminder_line_linekind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_reminder_line_linekind"), sa.text(_in("kind", OLD_LINE_KINDS))
        )
    with op.batch_alter_table("action_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_action_event_eventkind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_action_event_eventkind"), sa.text(_in("kind", OLD_EVENT_KINDS))
        )
        # Each column's own CHECK goes with it, or SQLite's rebuilt table names a
        # column it no longer has.
        for column in ("verification_to", "verification_from"):
            batch_op.drop_constraint(batch_op.f(f"ck_action_event_{column}"), type_="check")
            batch_op.drop_column(column)
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("verifies")
    op.drop_column("programme", "requires_verification")
    op.drop_column("action", "verification")
