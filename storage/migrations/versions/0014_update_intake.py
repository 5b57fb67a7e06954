"""update intake: a durable queue of received updates, and whose update each handled one was

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queued_updates",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("person_key", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", storage.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_queued_updates")),
    )
    op.create_index(
        "ix_queued_updates_person",
        "queued_updates",
        ["bot_id", "person_key", "update_id"],
        unique=False,
    )
    with op.batch_alter_table("processed_updates") as batch:
        batch.add_column(sa.Column("person_key", sa.BigInteger(), nullable=True))
        batch.create_index(
            "ix_processed_updates_person", ["bot_id", "person_key", "update_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("processed_updates") as batch:
        batch.drop_index("ix_processed_updates_person")
        batch.drop_column("person_key")
    op.drop_index("ix_queued_updates_person", table_name="queued_updates")
    op.drop_table("queued_updates")
