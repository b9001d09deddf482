"""reminder outbox, mail queue and scheduler heartbeat (reminders issue)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Reserved in the chain so that work on separate issues cannot create two heads; the
issue that owns it fills in upgrade() and downgrade().
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op  # noqa: F401

import tracker.models  # noqa: F401

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('scheduler_heartbeat',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('last_tick_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('last_result', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('ticks', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_heartbeat'))
    )
    op.create_table('account_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('invitation', 'password_reset', name='tokenpurpose', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('used_at', tracker.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_account_token_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_token_token_hash'))
    )
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_token_user_id'), ['user_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('kind', sa.Enum('reminder', 'invitation', 'password_reset', name='messagekind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('recipient_user_id', sa.Integer(), nullable=True),
    sa.Column('recipient_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=True),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', 'dead', 'cancelled', name='messagestatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('lease_until', tracker.models.UTCDateTime(), nullable=True),
    sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('planned_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('sent_at', tracker.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['user.id'], name=op.f('fk_outbox_message_recipient_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_message_id'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_recipient_user_id'), ['recipient_user_id'], unique=False)
        batch_op.create_index('ix_outbox_message_status_next', ['status', 'next_attempt_at'], unique=False)

    op.create_table('reminder_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('recipient_user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('own', 'unassigned', 'escalation', 'countdown', name='linekind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('reached_at', tracker.models.UTCDateTime(), nullable=False),
    sa.Column('state', sa.Enum('planned', 'sent', 'skipped', 'cancelled', name='linestate', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('planned_at', tracker.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_reminder_line_action_id_action')),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_reminder_line_outbox_message_id_outbox_message')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_reminder_line_programme_id_programme')),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['user.id'], name=op.f('fk_reminder_line_recipient_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_line')),
    sa.UniqueConstraint('key', name=op.f('uq_reminder_line_key'))
    )
    with op.batch_alter_table('reminder_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_line_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_line_outbox_message_id'), ['outbox_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_line_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_line_recipient_user_id'), ['recipient_user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminder_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_line_recipient_user_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_line_programme_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_line_outbox_message_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_line_action_id'))

    op.drop_table('reminder_line')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_status_next')
        batch_op.drop_index(batch_op.f('ix_outbox_message_recipient_user_id'))

    op.drop_table('outbox_message')
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_token_user_id'))

    op.drop_table('account_token')
    op.drop_table('scheduler_heartbeat')
