"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 00:06:41.690072
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

import tracker.models  # noqa: F401

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('short_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', tracker.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('name', name=op.f('uq_organisation_name')),
    sa.UniqueConstraint('short_name', name=op.f('uq_organisation_short_name'))
    )
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('treaty', sa.Enum('APMBC', 'CCM', name='treaty', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('article', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('remind_before_days', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('remind_overdue_every_days', sa.Integer(), nullable=False),
    sa.Column('escalate_overdue_days', sa.Integer(), nullable=False),
    sa.Column('escalate_idle_days', sa.Integer(), nullable=False),
    sa.Column('countdown_days', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', tracker.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme')),
    sa.UniqueConstraint('country', 'treaty', name='uq_programme_country')
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sa.Enum('admin', 'coordinator', 'owner', 'viewer', name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('feed_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('reminders_paused_until', sa.Date(), nullable=True),
    sa.Column('reminders_pause_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('last_login_at', tracker.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_user_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email')),
    sa.UniqueConstraint('feed_token', name=op.f('uq_user_feed_token'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('deadline_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('original', 'extension', 'correction', name='deadlinekind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('previous_on', sa.Date(), nullable=True),
    sa.Column('new_on', sa.Date(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('refused', sa.Boolean(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('recorded_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_deadline_change_programme_id_programme')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_deadline_change_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_change'))
    )
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_change_programme_id'), ['programme_id'], unique=False)

    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_meeting_created_by_id_user')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_meeting_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_programme_id'), ['programme_id'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('edition', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('publisher', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('checksum', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('key_developments', sa.Text(), nullable=True),
    sa.Column('deadline_on_page', sa.Date(), nullable=True),
    sa.Column('rating', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('stated_score', sa.Float(), nullable=True),
    sa.Column('computed_score', sa.Float(), nullable=True),
    sa.Column('band', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('warnings', sa.Text(), nullable=False),
    sa.Column('imported_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user.id'], name=op.f('fk_report_imported_by_id_user')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_report_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('checksum', name=op.f('uq_report_checksum'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_programme_id'), ['programme_id'], unique=False)

    op.create_table('criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_criterion_report_id_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criterion')),
    sa.UniqueConstraint('report_id', 'position', name='uq_criterion_report')
    )
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criterion_report_id'), ['report_id'], unique=False)

    op.create_table('recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_recommendation_report_id_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation')),
    sa.UniqueConstraint('report_id', 'position', name='uq_recommendation_report')
    )
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_report_id'), ['report_id'], unique=False)

    op.create_table('action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('owner_organisation_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'blocked', 'implemented', 'not_applicable', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('follows_deadline', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', tracker.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_organisation_id'], ['organisation.id'], name=op.f('fk_action_owner_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['user.id'], name=op.f('fk_action_owner_user_id_user')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_action_programme_id_programme')),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_action_recommendation_id_recommendation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action')),
    sa.UniqueConstraint('recommendation_id', name=op.f('uq_action_recommendation_id'))
    )
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_owner_organisation_id'), ['owner_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index('ix_action_programme_status_due', ['programme_id', 'status', 'due_on'], unique=False)
        batch_op.create_index('ix_action_status_due', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_updated_at'), ['updated_at'], unique=False)

    op.create_table('action_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('created', 'status_changed', 'owner_changed', 'due_date_changed', 'comment', name='eventkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('status_from', sa.Enum('not_started', 'in_progress', 'blocked', 'implemented', 'not_applicable', name='status_from', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('status_to', sa.Enum('not_started', 'in_progress', 'blocked', 'implemented', 'not_applicable', name='status_to', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('owner_user_from', sa.Integer(), nullable=True),
    sa.Column('owner_user_to', sa.Integer(), nullable=True),
    sa.Column('owner_organisation_from', sa.Integer(), nullable=True),
    sa.Column('owner_organisation_to', sa.Integer(), nullable=True),
    sa.Column('due_from', sa.Date(), nullable=True),
    sa.Column('due_to', sa.Date(), nullable=True),
    sa.Column('follows_deadline_to', sa.Boolean(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('evidence_url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('deadline_change_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_event_action_id_action')),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_action_event_actor_id_user')),
    sa.ForeignKeyConstraint(['deadline_change_id'], ['deadline_change.id'], name=op.f('fk_action_event_deadline_change_id_deadline_change')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_action_event_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['owner_organisation_from'], ['organisation.id'], name=op.f('fk_action_event_owner_organisation_from_organisation')),
    sa.ForeignKeyConstraint(['owner_organisation_to'], ['organisation.id'], name=op.f('fk_action_event_owner_organisation_to_organisation')),
    sa.ForeignKeyConstraint(['owner_user_from'], ['user.id'], name=op.f('fk_action_event_owner_user_from_user')),
    sa.ForeignKeyConstraint(['owner_user_to'], ['user.id'], name=op.f('fk_action_event_owner_user_to_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_event'))
    )
    with op.batch_alter_table('action_event', schema=None) as batch_op:
        batch_op.create_index('ix_action_event_action_at', ['action_id', 'at'], unique=False)
        batch_op.create_index('ix_action_event_kind_at', ['kind', 'at'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('action_event', schema=None) as batch_op:
        batch_op.drop_index('ix_action_event_kind_at')
        batch_op.drop_index('ix_action_event_action_at')

    op.drop_table('action_event')
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_updated_at'))
        batch_op.drop_index('ix_action_status_due')
        batch_op.drop_index('ix_action_programme_status_due')
        batch_op.drop_index(batch_op.f('ix_action_programme_id'))
        batch_op.drop_index(batch_op.f('ix_action_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_action_owner_organisation_id'))

    op.drop_table('action')
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_report_id'))

    op.drop_table('recommendation')
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criterion_report_id'))

    op.drop_table('criterion')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_programme_id'))

    op.drop_table('report')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_programme_id'))

    op.drop_table('meeting')
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_change_programme_id'))

    op.drop_table('deadline_change')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_organisation_id'))

    op.drop_table('user')
    op.drop_table('programme')
    op.drop_table('organisation')
    
