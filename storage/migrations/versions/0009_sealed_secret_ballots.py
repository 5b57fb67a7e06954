"""secret ballots sealed: voter marks and sealed choices, no person ids, no order

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:50:00

The old rows name the voter (participation) and the option in plain text (choices). Closed
ballots keep their counts in `ballots.result`, so their rows go. Votes in a ballot that is
still open cannot be sealed here (the key is not the database's): the upgrade stops and asks
to let those ballots close on the previous version first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    waiting = bind.execute(
        sa.text(
            "SELECT count(*) FROM secret_choices c JOIN ballots b ON b.id = c.ballot_id"
            " WHERE b.status = 'open'"
        )
    ).scalar()
    if waiting:
        raise RuntimeError(
            f"migration 0009: {waiting} secret votes wait in open ballots; let those ballots"
            " close on the previous version, then upgrade"
        )
    if bind.dialect.name == "sqlite":
        bind.execute(sa.text("PRAGMA secure_delete = ON"))  # the old plain rows are zeroed
    op.drop_table("secret_participation")
    with op.batch_alter_table("secret_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_secret_choices_ballot_id"))
    op.drop_table("secret_choices")

    op.create_table(
        "secret_choices",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(length=69), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_secret_choices_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_secret_choices")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("secret_choices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_secret_choices_ballot_id"), ["ballot_id"], unique=False
        )
    op.create_table(
        "secret_participation",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("voter", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_secret_participation_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ballot_id", "voter", name=op.f("pk_secret_participation")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    # Sealed rows cannot become plain ones without the key: open ballots lose their votes.
    op.drop_table("secret_participation")
    with op.batch_alter_table("secret_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_secret_choices_ballot_id"))
    op.drop_table("secret_choices")
    op.create_table(
        "secret_choices",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("option", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_secret_choices_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_secret_choices")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("secret_choices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_secret_choices_ballot_id"), ["ballot_id"], unique=False
        )
    op.create_table(
        "secret_participation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_secret_participation_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_secret_participation_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secret_participation")),
        sa.UniqueConstraint(
            "ballot_id", "person_id", name=op.f("uq_secret_participation_ballot_id_person_id")
        ),
    )
