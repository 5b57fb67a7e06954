"""statements: requests, versions, amendments, dissent, ballots, open and secret votes

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-28 07:58:55.552675
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('requester', sa.String(length=200), nullable=False),
    sa.Column('case_number', sa.String(length=80), nullable=True),
    sa.Column('background', sa.Text(), nullable=True),
    sa.Column('city_due_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('internal_due_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('drafting', 'voting', 'approved', 'submitted', name='statementstatus', native_enum=False, length=10), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('group_thread_id', sa.Integer(), nullable=True),
    sa.Column('approved_version', sa.Integer(), nullable=True),
    sa.Column('approved_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('submitted_to', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_statements_created_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['table_id'], ['tables.id'], name=op.f('fk_statements_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements'))
    )
    op.create_table('table_vote_rules',
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('quorum_percent', sa.Integer(), nullable=False),
    sa.Column('majority_percent', sa.Integer(), nullable=False),
    sa.Column('block_stops', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['table_id'], ['tables.id'], name=op.f('fk_table_vote_rules_table_id_tables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('table_id', name=op.f('pk_table_vote_rules'))
    )
    op.create_table('dissenting_opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_dissenting_opinions_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_dissenting_opinions_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dissenting_opinions')),
    sa.UniqueConstraint('statement_id', 'person_id', name=op.f('uq_dissenting_opinions_statement_id_person_id'))
    )
    op.create_table('statement_attachments',
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_statement_attachments_file_id_stored_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_attachments_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_id', 'file_id', name=op.f('pk_statement_attachments'))
    )
    op.create_table('statement_drafters',
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_statement_drafters_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_drafters_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_id', 'person_id', name=op.f('pk_statement_drafters'))
    )
    op.create_table('statement_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_statement_versions_author_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_versions_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_versions')),
    sa.UniqueConstraint('statement_id', 'number', name=op.f('uq_statement_versions_statement_id_number'))
    )
    op.create_table('amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('old_text', sa.Text(), nullable=False),
    sa.Column('new_text', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'voting', 'accepted', 'rejected', name='amendmentstatus', native_enum=False, length=10), nullable=False),
    sa.Column('created_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('result_version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_amendments_author_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['people.id'], name=op.f('fk_amendments_decided_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['result_version_id'], ['statement_versions.id'], name=op.f('fk_amendments_result_version_id_statement_versions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_amendments_statement_id_statements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['statement_versions.id'], name=op.f('fk_amendments_version_id_statement_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendments'))
    )
    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('statement', 'amendment', 'proposal', 'money', 'chair', 'vice_chair', name='ballotkind', native_enum=False, length=12), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('recipient', sa.String(length=200), nullable=True),
    sa.Column('secret', sa.Boolean(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('opened_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='ballotstatus', native_enum=False, length=8), nullable=False),
    sa.Column('closed_at', storage.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('rules', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendments.id'], name=op.f('fk_ballots_amendment_id_amendments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_ballots_created_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_ballots_statement_id_statements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['table_id'], ['tables.id'], name=op.f('fk_ballots_table_id_tables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['statement_versions.id'], name=op.f('fk_ballots_version_id_statement_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots'))
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index('ix_ballots_due', ['status', 'closes_at'], unique=False)

    op.create_table('open_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Enum('agree', 'abstain', 'disagree', 'block', name='choice', native_enum=False, length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('cast_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', storage.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_open_votes_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_open_votes_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_votes')),
    sa.UniqueConstraint('ballot_id', 'person_id', name=op.f('uq_open_votes_ballot_id_person_id'))
    )
    op.create_table('secret_choices',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('option', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_secret_choices_ballot_id_ballots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_secret_choices')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('secret_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secret_choices_ballot_id'), ['ballot_id'], unique=False)

    op.create_table('secret_participation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_secret_participation_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_secret_participation_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secret_participation')),
    sa.UniqueConstraint('ballot_id', 'person_id', name=op.f('uq_secret_participation_ballot_id_person_id'))
    )


def downgrade() -> None:
    op.drop_table('secret_participation')
    with op.batch_alter_table('secret_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secret_choices_ballot_id'))

    op.drop_table('secret_choices')
    op.drop_table('open_votes')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index('ix_ballots_due')

    op.drop_table('ballots')
    op.drop_table('amendments')
    op.drop_table('statement_versions')
    op.drop_table('statement_drafters')
    op.drop_table('statement_attachments')
    op.drop_table('dissenting_opinions')
    op.drop_table('table_vote_rules')
    op.drop_table('statements')
