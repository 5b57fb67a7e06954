"""announcements: announcements, acknowledgements, replies, e-mail outbox and preferences

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-28 08:01:37.030751
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('file_kind', sa.String(length=10), nullable=True),
    sa.Column('table_ids', sa.JSON(), nullable=False),
    sa.Column('audience', sa.Enum('members', 'chairs', 'coordinators', name='audience', native_enum=False, length=14), nullable=False),
    sa.Column('pin', sa.Boolean(), nullable=False),
    sa.Column('ask_ack', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'sending', 'done', 'cancelled', name='announcementstatus', native_enum=False, length=10), nullable=False),
    sa.Column('send_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('parts', sa.Integer(), nullable=False),
    sa.Column('never_started', sa.Integer(), nullable=False),
    sa.Column('progress_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('progress_message_id', sa.BigInteger(), nullable=True),
    sa.Column('progress_text', sa.Text(), nullable=True),
    sa.Column('reported_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_announcements_author_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_announcements_file_id_stored_files'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    op.create_table('contact_preferences',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('telegram', 'both', 'email', name='channel', native_enum=False, length=10), nullable=False),
    sa.Column('updated_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_contact_preferences_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_contact_preferences'))
    )
    op.create_table('email_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'blocked', 'unreachable', 'failed', 'uncertain', name='delivery', native_enum=False, length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=40), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_email_outbox_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_outbox')),
    sa.UniqueConstraint('batch', 'address', name=op.f('uq_email_outbox_batch_address'))
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_email_outbox_due', ['status', 'not_before'], unique=False)

    op.create_table('announcement_acks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], name=op.f('fk_announcement_acks_announcement_id_announcements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_announcement_acks_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_acks')),
    sa.UniqueConstraint('announcement_id', 'person_id', name=op.f('uq_announcement_acks_announcement_id_person_id'))
    )
    op.create_table('announcement_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], name=op.f('fk_announcement_replies_announcement_id_announcements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_announcement_replies_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_replies'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=40), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')

    op.drop_table('announcement_replies')
    op.drop_table('announcement_acks')
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_email_outbox_due')

    op.drop_table('email_outbox')
    op.drop_table('contact_preferences')
    op.drop_table('announcements')
