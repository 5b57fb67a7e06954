"""meetings: time polls, slots, votes, participants, edited posts, agenda items

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-28 07:58:50.571504
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('regular', 'planning', 'chairs', 'event', name='meetingkind', native_enum=False, length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=400), nullable=False),
    sa.Column('status', sa.Enum('polling', 'closed', 'scheduled', 'cancelled', name='meetingstatus', native_enum=False, length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('poll_deadline_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('suggested_slot_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('ics_sequence', sa.Integer(), nullable=False),
    sa.Column('agenda_cutoff_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('agenda_posted_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('agenda_changed', sa.Boolean(), nullable=False),
    sa.Column('agenda_version', sa.Integer(), nullable=False),
    sa.Column('results_version', sa.Integer(), nullable=False),
    sa.Column('minutes_status', sa.Enum('none', 'checking', 'published', name='minutesstatus', native_enum=False, length=12), nullable=False),
    sa.Column('minutes_text', sa.Text(), nullable=True),
    sa.Column('minutes_file_id', sa.Integer(), nullable=True),
    sa.Column('minutes_published_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_meetings_created_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['minutes_file_id'], ['stored_files.id'], name=op.f('fk_meetings_minutes_file_id_stored_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['table_id'], ['tables.id'], name=op.f('fk_meetings_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_poll_deadline_at'), ['poll_deadline_at'], unique=False)

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('proposed', 'accepted', 'rejected', name='itemstatus', native_enum=False, length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_agenda_items_file_id_stored_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_agenda_items_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['people.id'], name=op.f('fk_agenda_items_proposed_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items'))
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_items_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('rsvp', sa.Enum('coming', 'not_coming', 'maybe', name='rsvp', native_enum=False, length=12), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('is_checker', sa.Boolean(), nullable=False),
    sa.Column('approved_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_participants_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_meeting_participants_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_participants')),
    sa.UniqueConstraint('meeting_id', 'person_id', name=op.f('uq_meeting_participants_meeting_id_person_id'))
    )
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_participants_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('last_edited_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('edited_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_posts_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_meeting_posts_outbox_id_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_meeting_posts_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_posts')),
    sa.UniqueConstraint('meeting_id', 'purpose', 'chat_id', name=op.f('uq_meeting_posts_meeting_id_purpose_chat_id'))
    )
    with op.batch_alter_table('meeting_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_posts_chat_id'), ['chat_id'], unique=False)

    op.create_table('meeting_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_slots_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_slots')),
    sa.UniqueConstraint('meeting_id', 'starts_at', 'ends_at', name=op.f('uq_meeting_slots_meeting_id_starts_at_ends_at'))
    )
    with op.batch_alter_table('meeting_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_slots_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Enum('yes', 'maybe', 'no', name='answer', native_enum=False, length=8), nullable=False),
    sa.Column('answered_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_meeting_votes_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['meeting_slots.id'], name=op.f('fk_meeting_votes_slot_id_meeting_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_votes')),
    sa.UniqueConstraint('slot_id', 'person_id', name=op.f('uq_meeting_votes_slot_id_person_id'))
    )



def downgrade() -> None:

    op.drop_table('meeting_votes')
    with op.batch_alter_table('meeting_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_slots_meeting_id'))

    op.drop_table('meeting_slots')
    with op.batch_alter_table('meeting_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_posts_chat_id'))

    op.drop_table('meeting_posts')
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_participants_meeting_id'))

    op.drop_table('meeting_participants')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_items_meeting_id'))

    op.drop_table('agenda_items')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_poll_deadline_at'))

    op.drop_table('meetings')

