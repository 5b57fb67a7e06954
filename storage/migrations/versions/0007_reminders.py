"""reminders: reminder rows, digest items, people's choices, table offsets

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-28 07:58:32.044425
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reminder_preferences',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kinds_off', sa.JSON(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('quiet_start', sa.Integer(), nullable=True),
    sa.Column('quiet_end', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reminder_preferences_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_reminder_preferences'))
    )
    op.create_table('reminder_table_settings',
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('meeting_offsets', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['table_id'], ['tables.id'], name=op.f('fk_reminder_table_settings_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('table_id', name=op.f('pk_reminder_table_settings'))
    )
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('meeting', 'meeting_poll', 'vote', 'agenda', 'stmt_city', 'stmt_internal', 'minutes', 'term', name='reminderkind', native_enum=False, length=20), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.Integer(), nullable=False),
    sa.Column('person_ids', sa.JSON(), nullable=False),
    sa.Column('pending_key', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('anchor_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('offset_minutes', sa.Integer(), nullable=False),
    sa.Column('due_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'missed', 'failed', name='reminderstatus', native_enum=False, length=10), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claim_token', sa.String(length=36), nullable=True),
    sa.Column('claimed_until', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['table_id'], ['tables.id'], name=op.f('fk_reminders_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('target_type', 'target_id', 'kind', 'offset_minutes', name=op.f('uq_reminders_target_type_target_id_kind_offset_minutes'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_due', ['status', 'due_at'], unique=False)

    op.create_table('reminder_digest_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('digest_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_reminder_digest_items_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_reminder_digest_items_reminder_id_reminders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_digest_items')),
    sa.UniqueConstraint('reminder_id', 'generation', 'person_id', name=op.f('uq_reminder_digest_items_reminder_id_generation_person_id'))
    )
    with op.batch_alter_table('reminder_digest_items', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_digest_items_due', ['sent', 'digest_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reminder_digest_items', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_digest_items_due')

    op.drop_table('reminder_digest_items')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_due')

    op.drop_table('reminders')
    op.drop_table('reminder_table_settings')
    op.drop_table('reminder_preferences')
