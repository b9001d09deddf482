"""programme spaces: memberships, taking part, the public page (issue 11)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

Roles other than admin become per programme. So that nothing anyone can do today
disappears on upgrade, each user's current global role becomes that role in every
existing programme, every organisation takes part in every programme, and every
existing coordinator may create programmes; an admin can then narrow it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("admin", "coordinator", "owner", "viewer")


def upgrade() -> None:
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                *ROLES, name="membership_role", native_enum=False, create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", tracker.models.UTCDateTime(), nullable=False),
        sa.Column("changed_at", tracker.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_membership_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_membership_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("user_id", "programme_id", name="uq_membership_user_programme"),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_membership_programme_id"), ["programme_id"], unique=False
        )
    op.create_table(
        "programme_organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", tracker.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_programme_organisation_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_organisation_programme_id_programme"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_organisation")),
        sa.UniqueConstraint(
            "programme_id", "organisation_id", name="uq_programme_organisation_pair"
        ),
    )
    with op.batch_alter_table("programme_organisation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_programme_organisation_programme_id"), ["programme_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_programme_organisation_organisation_id"),
            ["organisation_id"],
            unique=False,
        )
    # Plain ADD COLUMN (no batch copy): on SQLite a batch would drop and rebuild the
    # tables every other table points at, which foreign keys refuse once there is data.
    # The server defaults fill the existing rows and stay; the models always set a value.
    op.add_column(
        "user",
        sa.Column("may_create_programmes", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "programme",
        sa.Column("public_slug", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    )
    op.add_column(
        "programme",
        sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("programme", sa.Column("published_at", tracker.models.UTCDateTime(), nullable=True))
    op.create_index("ix_programme_public_slug", "programme", ["public_slug"], unique=True)

    # Nothing anyone can do today disappears: today's global roles, in every programme.
    op.execute(
        sa.text(
            "INSERT INTO membership (user_id, programme_id, role, created_at, changed_at) "
            'SELECT u.id, p.id, u.role, :now, :now FROM "user" u CROSS JOIN programme p '
            "WHERE u.role <> 'admin'"
        ).bindparams(sa.bindparam("now", tracker.models.utcnow(), type_=tracker.models.UTCDateTime()))
    )
    op.execute(
        sa.text(
            "INSERT INTO programme_organisation (programme_id, organisation_id, created_at) "
            "SELECT p.id, o.id, :now FROM programme p CROSS JOIN organisation o"
        ).bindparams(sa.bindparam("now", tracker.models.utcnow(), type_=tracker.models.UTCDateTime()))
    )
    op.execute(
        sa.text("UPDATE \"user\" SET may_create_programmes = :yes WHERE role = 'coordinator'")
        .bindparams(yes=True)
    )


def downgrade() -> None:
    op.drop_index("ix_programme_public_slug", table_name="programme")
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("published_at")
        batch_op.drop_column("published")
        batch_op.drop_column("public_slug")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("may_create_programmes")
    with op.batch_alter_table("programme_organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_organisation_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_programme_organisation_programme_id"))
    op.drop_table("programme_organisation")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_programme_id"))
        batch_op.drop_index(batch_op.f("ix_membership_user_id"))
    op.drop_table("membership")
