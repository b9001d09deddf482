"""lineage: a recommendation followed across editions (issue 10)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Every stored report is an edition; two new tables join them: ``recommendation_link``
(a later recommendation continues an earlier one: same, reworded, split, merged) and
``action_text`` (an action carries the text of another edition). The journal gains the
lineage events and the columns they need (edition, recommendation, the other action,
the wording before and after). Nothing is matched on upgrade: existing reports stay
editions with no links, and every action keeps its own recommendation.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("created", "status_changed", "owner_changed", "due_date_changed", "comment")
NEW_KINDS = (*OLD_KINDS, "repeated", "reworded", "split_off", "merged", "dropped", "detached")


def _lineage_kind() -> sa.Enum:
    return sa.Enum(
        "same",
        "reworded",
        "split",
        "merged",
        name="lineagekind",
        native_enum=False,
        create_constraint=True,
        length=20,
    )


def _kinds(kinds: Sequence[str]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    op.create_table(
        "recommendation_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("continues_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", _lineage_kind(), nullable=False),
        sa.Column("created_at", tracker.models.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("detached_at", tracker.models.UTCDateTime(), nullable=True),
        sa.Column("detached_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["continues_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_link_continues_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_recommendation_link_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["detached_by_id"],
            ["user.id"],
            name=op.f("fk_recommendation_link_detached_by_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_link_recommendation_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_recommendation_link_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_link")),
        sa.UniqueConstraint("recommendation_id", "continues_id", name="uq_recommendation_link"),
    )
    with op.batch_alter_table("recommendation_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_link_continues_id"), ["continues_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_link_recommendation_id"),
            ["recommendation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_recommendation_link_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "action_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", _lineage_kind(), nullable=False),
        sa.Column("linked_at", tracker.models.UTCDateTime(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("detached_at", tracker.models.UTCDateTime(), nullable=True),
        sa.Column("detached_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_text_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["detached_by_id"], ["user.id"], name=op.f("fk_action_text_detached_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["linked_by_id"], ["user.id"], name=op.f("fk_action_text_linked_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_action_text_recommendation_id_recommendation"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_action_text_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_text")),
    )
    with op.batch_alter_table("action_text", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_text_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_text_report_id"), ["report_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_action_text_recommendation_id"), ["recommendation_id"], unique=False
        )

    with op.batch_alter_table("action_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recommendation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("related_action_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("text_from", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("text_to", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_action_event_recommendation_id_recommendation"),
            "recommendation",
            ["recommendation_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_action_event_report_id_report"), "report", ["report_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_action_event_related_action_id_action"),
            "action",
            ["related_action_id"],
            ["id"],
        )
        # The event kinds are a CHECK (no native enum): replace it with the longer list.
        batch_op.drop_constraint(op.f("ck_action_event_eventkind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_action_event_eventkind"), _kinds(NEW_KINDS))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM action_event WHERE " + _kinds(NEW_KINDS[len(OLD_KINDS) :])))
    with op.batch_alter_table("action_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_action_event_eventkind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_action_event_eventkind"), _kinds(OLD_KINDS))
        batch_op.drop_constraint(
            batch_op.f("fk_action_event_related_action_id_action"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_action_event_report_id_report"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_action_event_recommendation_id_recommendation"), type_="foreignkey"
        )
        batch_op.drop_column("text_to")
        batch_op.drop_column("text_from")
        batch_op.drop_column("related_action_id")
        batch_op.drop_column("recommendation_id")
        batch_op.drop_column("report_id")
    with op.batch_alter_table("action_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_text_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_action_text_report_id"))
        batch_op.drop_index(batch_op.f("ix_action_text_action_id"))
    op.drop_table("action_text")
    with op.batch_alter_table("recommendation_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_link_report_id"))
        batch_op.drop_index(batch_op.f("ix_recommendation_link_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_recommendation_link_continues_id"))
    op.drop_table("recommendation_link")
