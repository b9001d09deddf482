"""hardening: server-side sign-ins, an audit trail, API token expiry and its reminders

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

Tokens that exist at the upgrade expire 90 days after it (the default lifetime of a
new token), so that a nightly sync is warned by the 14- and 1-day reminders instead
of stopping on the day of the upgrade. ``reminder_line`` learns a line kind that
belongs to no programme: a personal API token about to expire.
"""
import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("own", "unassigned", "escalation", "countdown")
NEW_KINDS = (*OLD_KINDS, "token_expiry")


OLD_MESSAGE_KINDS = ("reminder", "invitation", "password_reset")
NEW_MESSAGE_KINDS = (*OLD_MESSAGE_KINDS, "token_expiry")


def _kinds(kinds: Sequence[str]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _message_kinds(kinds: Sequence[str]) -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_message_messagekind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_outbox_message_messagekind"), sa.text(_kinds(kinds))
        )


APPEND_ONLY = "audit entries are append-only"


def _refuse_audit_changes() -> None:
    """Triggers that refuse UPDATE and DELETE on audit_entry, whatever the code asks.

    A later batch migration that rebuilds audit_entry on SQLite must create them again.
    """
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
    )


def upgrade() -> None:
    op.create_table(
        "sign_in",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", tracker.models.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", tracker.models.UTCDateTime(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_agent", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("ended_at", tracker.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_sign_in_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in")),
    )
    with op.batch_alter_table("sign_in", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", tracker.models.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject_label", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_audit_entry_actor_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_entry_subject", ["subject_type", "subject_id"])
        batch_op.create_index("ix_audit_entry_kind_at", ["kind", "at"])
    _refuse_audit_changes()

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", tracker.models.UTCDateTime(), nullable=True))
    in_90_days = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + dt.timedelta(days=90)
    op.execute(
        sa.text("UPDATE api_token SET expires_at = :at WHERE expires_at IS NULL").bindparams(
            at=in_90_days
        )
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=tracker.models.UTCDateTime(), nullable=False)

    with op.batch_alter_table("reminder_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_token_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reminder_line_api_token_id"), ["api_token_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_reminder_line_api_token_id_api_token"), "api_token", ["api_token_id"], ["id"]
        )
        batch_op.alter_column("programme_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(batch_op.f("ck_reminder_line_linekind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_reminder_line_linekind"), sa.text(_kinds(NEW_KINDS)))
    _message_kinds(NEW_MESSAGE_KINDS)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM reminder_line WHERE kind = 'token_expiry'"))
    op.execute(sa.text("DELETE FROM outbox_message WHERE kind = 'token_expiry'"))
    _message_kinds(OLD_MESSAGE_KINDS)
    with op.batch_alter_table("reminder_line", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_reminder_line_linekind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_reminder_line_linekind"), sa.text(_kinds(OLD_KINDS)))
        batch_op.alter_column("programme_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(
            batch_op.f("fk_reminder_line_api_token_id_api_token"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_reminder_line_api_token_id"))
        batch_op.drop_column("api_token_id")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    op.drop_table("audit_entry")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    op.drop_table("sign_in")
