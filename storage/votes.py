"""The vote engine: ballots, open votes and secret ballots, and closing them on time.

Open votes are one row per (ballot, person), written as an upsert, so a second press or the
same update delivered twice changes nothing, and a changed mind overwrites the earlier choice.

Secret ballots are built so that a copy of the database (its file, its WAL, a backup, the audit
log) ties no voter to a choice, gives no voting order and no running tally (SECURITY.md):

- A vote writes two rows, each on its own random key and with nothing to order them by: no
  autoincrement id, no timestamp (on SQLite both tables are WITHOUT ROWID).
- `secret_participation` holds (ballot, voter mark): the mark is an HMAC of the person id under
  a key derived from the ballot key, which lives outside the database. It refuses a second
  ballot (unique key) and counts turnout, and without the key it names nobody.
- `secret_choices` holds (random token, ballot, sealed choice): AES-GCM under the ballot's
  own key, random nonce, always the same length. Without the key it says nothing; a diff of
  two consecutive commits shows that *someone* chose *something*.
- At close the sealed choices are opened and counted, the counts become the ballot's result,
  and every sealed row and voter mark of the ballot is deleted (on SQLite over zeroed pages).
- A secret vote cannot be changed: changing it would need the link this design removes.
- Neither the audit log nor the bot's logs record a secret choice.

What this does not hide (SECURITY.md): whoever has the key *and* watches the database while the
ballot is open can link, as can whoever has the key and a copy taken before the close.
"""

from __future__ import annotations

import enum
import secrets
from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.audit import record
from storage.base import Base, UtcDateTime, text_enum
from storage.people import Membership, Person, Table, grant_role, table_roster
from storage.reminders import (
    Audience,
    ReminderKind,
    Target,
    cancel,
    register_pending_resolver,
    schedule,
)
from storage.roles import SEATED_ROLES, Role
from storage.sealing import MARK_BYTES, SEALED_BYTES, BallotKey, ballot_key
from storage.vote_rules import Choice, Rules, Tally


class BallotKind(enum.StrEnum):
    STATEMENT = "statement"
    AMENDMENT = "amendment"
    PROPOSAL = "proposal"
    MONEY = "money"
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"


ELECTIONS = frozenset({BallotKind.CHAIR, BallotKind.VICE_CHAIR})


class BallotStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TableVoteRules(Base):
    """A table's own quorum and majority rules; a table without a row uses the defaults."""

    __tablename__ = "table_vote_rules"

    table_id: Mapped[int] = mapped_column(
        ForeignKey("tables.id", ondelete="CASCADE"), primary_key=True
    )
    quorum_percent: Mapped[int] = mapped_column(Integer, default=50)
    majority_percent: Mapped[int] = mapped_column(Integer, default=50)
    block_stops: Mapped[bool] = mapped_column(Boolean, default=True)

    def rules(self) -> Rules:
        return Rules(self.quorum_percent, self.majority_percent, self.block_stops)


class Ballot(Base):
    __tablename__ = "ballots"
    __table_args__ = (Index("ix_ballots_due", "status", "closes_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"))
    kind: Mapped[BallotKind] = mapped_column(text_enum(BallotKind, 12))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    statement_id: Mapped[int | None] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE")
    )
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_versions.id", ondelete="SET NULL")
    )
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendments.id", ondelete="CASCADE")
    )
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    recipient: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    # Election ballots: the options, as candidate person ids in text form.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[BallotStatus] = mapped_column(
        text_enum(BallotStatus, 8), default=BallotStatus.OPEN
    )
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))
    # The table's rules when the ballot opened: changing them later does not move the goal.
    rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # At close: counts per choice or option, seated members, who won.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def decision_rules(self) -> Rules | None:
        return Rules(**self.rules) if self.rules else None

    def is_open(self, now: datetime) -> bool:
        return self.status is BallotStatus.OPEN and now < self.closes_at


class OpenVote(Base):
    __tablename__ = "open_votes"
    __table_args__ = (UniqueConstraint("ballot_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    choice: Mapped[Choice] = mapped_column(text_enum(Choice, 10))
    reason: Mapped[str | None] = mapped_column(Text)
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SecretParticipation(Base):
    """That someone has cast a secret ballot: a voter mark only the ballot key can recompute."""

    __tablename__ = "secret_participation"
    __table_args__ = ({"sqlite_with_rowid": False},)

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    voter: Mapped[bytes] = mapped_column(LargeBinary(MARK_BYTES), primary_key=True)


class SecretChoice(Base):
    """A sealed choice of a secret ballot: no person, no time, a random key."""

    __tablename__ = "secret_choices"
    __table_args__ = ({"sqlite_with_rowid": False},)

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary(SEALED_BYTES))


class Cast(enum.StrEnum):
    RECORDED = "recorded"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ALREADY_VOTED = "already_voted"
    CLOSED = "closed"
    BAD_OPTION = "bad_option"


async def rules_for(session: AsyncSession, table_id: int) -> Rules:
    row = await session.get(TableVoteRules, table_id)
    return row.rules() if row else Rules()


async def set_rules(session: AsyncSession, table_id: int, rules: Rules) -> None:
    row = await session.get(TableVoteRules, table_id)
    if row is None:
        row = TableVoteRules(table_id=table_id)
        session.add(row)
    row.quorum_percent = rules.quorum_percent
    row.majority_percent = rules.majority_percent
    row.block_stops = rules.block_stops


async def open_ballot(
    session: AsyncSession,
    *,
    table_id: int,
    kind: BallotKind,
    title: str,
    now: datetime,
    closes_at: datetime,
    created_by: int | None,
    body: str | None = None,
    statement_id: int | None = None,
    version_id: int | None = None,
    amendment_id: int | None = None,
    amount_cents: int | None = None,
    recipient: str | None = None,
    options: list[str] | None = None,
) -> Ballot:
    if closes_at <= now:
        raise ValueError("a ballot must close in the future")
    rules = await rules_for(session, table_id)
    ballot = Ballot(
        table_id=table_id,
        kind=kind,
        title=title,
        body=body,
        statement_id=statement_id,
        version_id=version_id,
        amendment_id=amendment_id,
        amount_cents=amount_cents,
        recipient=recipient,
        secret=kind in ELECTIONS,
        options=options or [],
        created_by=created_by,
        opened_at=now,
        closes_at=closes_at,
        status=BallotStatus.OPEN,
        rules={
            "quorum_percent": rules.quorum_percent,
            "majority_percent": rules.majority_percent,
            "block_stops": rules.block_stops,
        },
    )
    session.add(ballot)
    await session.flush()
    # Those who have not voted a day before the close get a reminder (issue 7's engine).
    await schedule(
        session,
        target=vote_target(ballot.id),
        table_id=table_id,
        kind=ReminderKind.VOTE,
        anchor=closes_at,
        title=title,
        now=now,
        audience=Audience.MEMBERS,
    )
    return ballot


def vote_target(ballot_id: int) -> Target:
    return Target("vote", ballot_id)


async def not_voted(session: AsyncSession, ballot_id: int) -> set[int]:
    """Seated members of the ballot's table who have not voted yet: for vote reminders."""
    ballot = await session.get(Ballot, ballot_id)
    if ballot is None or ballot.status is not BallotStatus.OPEN:
        return set()
    rows = await session.execute(select(Membership).where(Membership.table_id == ballot.table_id))
    table = await session.get(Table, ballot.table_id)
    today = datetime.now(ZoneInfo(table.timezone if table else "Europe/Helsinki")).date()
    seated = {
        m.person_id for m in rows.scalars() if m.role in SEATED_ROLES and m.is_current(today)
    }
    if ballot.secret:
        marks = set(
            await session.scalars(
                select(SecretParticipation.voter).where(SecretParticipation.ballot_id == ballot.id)
            )
        )
        key = ballot_key(session.info)
        return {person for person in seated if key.voter_mark(ballot.id, person) not in marks}
    voted = set(
        await session.scalars(select(OpenVote.person_id).where(OpenVote.ballot_id == ballot.id))
    )
    return seated - voted


register_pending_resolver("vote", not_voted)


def _upsert_insert(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def cast_open_vote(
    session: AsyncSession, ballot: Ballot, person_id: int, choice: Choice, now: datetime
) -> Cast:
    """Record or change a person's open vote (the caller has checked they may vote)."""
    if ballot.secret:
        raise ValueError("secret ballots take cast_secret_vote")
    if not ballot.is_open(now):
        return Cast.CLOSED
    previous = await session.scalar(
        select(OpenVote.choice).where(
            OpenVote.ballot_id == ballot.id, OpenVote.person_id == person_id
        )
    )
    if previous is choice:
        return Cast.UNCHANGED
    statement = _upsert_insert(session)(OpenVote).values(
        ballot_id=ballot.id, person_id=person_id, choice=choice, cast_at=now, changed_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["ballot_id", "person_id"],
        set_={"choice": statement.excluded.choice, "changed_at": statement.excluded.changed_at},
    )
    await session.execute(statement)
    return Cast.RECORDED if previous is None else Cast.CHANGED


async def set_reason(
    session: AsyncSession, ballot: Ballot, person_id: int, reason: str, now: datetime
) -> Cast:
    if not ballot.is_open(now):
        return Cast.CLOSED
    result = await session.execute(
        update(OpenVote)
        .where(OpenVote.ballot_id == ballot.id, OpenVote.person_id == person_id)
        .values(reason=reason, changed_at=now)
    )
    return Cast.RECORDED if result.rowcount else Cast.BAD_OPTION  # type: ignore[attr-defined]


async def vote_of(session: AsyncSession, ballot_id: int, person_id: int) -> OpenVote | None:
    return await session.scalar(
        select(OpenVote).where(OpenVote.ballot_id == ballot_id, OpenVote.person_id == person_id)
    )


async def has_voted(session: AsyncSession, ballot: Ballot, person_id: int) -> bool:
    if ballot.secret:
        mark = ballot_key(session.info).voter_mark(ballot.id, person_id)
        found: object = await session.scalar(
            select(SecretParticipation.ballot_id).where(
                SecretParticipation.ballot_id == ballot.id, SecretParticipation.voter == mark
            )
        )
    else:
        found = await session.scalar(
            select(OpenVote.id).where(
                OpenVote.ballot_id == ballot.id, OpenVote.person_id == person_id
            )
        )
    return found is not None


async def cast_secret_vote(
    session: AsyncSession, ballot: Ballot, person_id: int, option: str, now: datetime
) -> Cast:
    """Record that someone voted, and their sealed choice: two rows nothing ties together."""
    if not ballot.secret:
        raise ValueError("open ballots take cast_open_vote")
    if not ballot.is_open(now):
        return Cast.CLOSED
    if option not in ballot.options:
        return Cast.BAD_OPTION
    key = ballot_key(session.info)
    # A shared lock on the still-open ballot: voters do not wait for each other, but the
    # close (an UPDATE of this row) waits for every vote in flight, so none arrives after
    # the count. On SQLite writers take turns anyway.
    still_open = await session.scalar(
        select(Ballot.id)
        .where(Ballot.id == ballot.id, Ballot.status == BallotStatus.OPEN)
        .with_for_update(read=True)
    )
    if still_open is None:
        return Cast.CLOSED
    try:
        async with session.begin_nested():
            session.add(
                SecretParticipation(
                    ballot_id=ballot.id, voter=key.voter_mark(ballot.id, person_id)
                )
            )
    except IntegrityError:
        return Cast.ALREADY_VOTED
    session.add(
        SecretChoice(
            token=secrets.token_hex(16), ballot_id=ballot.id, sealed=key.seal(ballot.id, option)
        )
    )
    await session.flush()
    return Cast.RECORDED


async def turnout(session: AsyncSession, ballot: Ballot) -> int:
    model: Any = SecretParticipation if ballot.secret else OpenVote
    return int(
        await session.scalar(
            select(func.count()).select_from(model).where(model.ballot_id == ballot.id)
        )
        or 0
    )


async def open_tally(session: AsyncSession, ballot_id: int) -> Tally:
    return Tally.of(
        await session.scalars(select(OpenVote.choice).where(OpenVote.ballot_id == ballot_id))
    )


async def count_and_destroy_secret_choices(
    session: AsyncSession, ballot: Ballot
) -> dict[str, int]:
    """Open the ballot's sealed choices and count them, then delete every sealed choice and
    voter mark of the ballot: from now on the counts (in the ballot's result) are the record.
    Only the close calls this; before it nobody can read a running tally."""
    key: BallotKey = ballot_key(session.info)
    if session.get_bind().dialect.name == "sqlite":
        # Deleted rows are overwritten with zeros, in the file and in the WAL's page images.
        await session.execute(text("PRAGMA secure_delete = ON"))
    counts = Counter(
        key.open(ballot.id, sealed)
        for sealed in await session.scalars(
            select(SecretChoice.sealed).where(SecretChoice.ballot_id == ballot.id)
        )
    )
    await session.execute(delete(SecretChoice).where(SecretChoice.ballot_id == ballot.id))
    await session.execute(
        delete(SecretParticipation).where(SecretParticipation.ballot_id == ballot.id)
    )
    return {option: counts.get(option, 0) for option in ballot.options}


async def forget_old_pages(engine: AsyncEngine) -> bool:
    """SQLite: empty the WAL file after a secret ballot's close, so its stale page images of
    the deleted sealed rows do not linger in the file. Best effort: False if readers kept it
    busy (the next checkpoint overwrites them anyway). PostgreSQL: nothing to do here (see
    SECURITY.md on VACUUM and WAL archives)."""
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as connection:
        # Through the driver: SQLAlchemy would open a transaction, and a checkpoint runs outside.
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        async with driver.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            busy, _, _ = await cursor.fetchone()
    return not busy


async def due_ballot_ids(session: AsyncSession, now: datetime) -> list[int]:
    return list(
        await session.scalars(
            select(Ballot.id)
            .where(Ballot.status == BallotStatus.OPEN, Ballot.closes_at <= now)
            .order_by(Ballot.closes_at)
        )
    )


async def claim_for_closing(session: AsyncSession, ballot_id: int, now: datetime) -> bool:
    """Mark one ballot closed; True only for the one caller that made the change."""
    result = await session.execute(
        update(Ballot)
        .where(Ballot.id == ballot_id, Ballot.status == BallotStatus.OPEN)
        .values(status=BallotStatus.CLOSED, closed_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await cancel(session, vote_target(ballot_id))
    return True


async def open_ballots(session: AsyncSession, table_ids: list[int]) -> list[Ballot]:
    return list(
        await session.scalars(
            select(Ballot)
            .where(Ballot.table_id.in_(table_ids), Ballot.status == BallotStatus.OPEN)
            .order_by(Ballot.closes_at)
        )
    )


async def option_names(session: AsyncSession, ballot: Ballot) -> dict[str, str]:
    """Election options (person ids as text) with the candidates' names."""
    ids = [int(o) for o in ballot.options if o.isdigit()]
    if not ids:
        return {}
    people = await session.scalars(select(Person).where(Person.id.in_(ids)))
    return {str(p.id): p.full_name for p in people}


async def seat_the_elected(
    session: AsyncSession,
    ballot: Ballot,
    winner: str | None,
    now: datetime,
    today: date,
    term_ends_on: date,
) -> None:
    """An election's winner takes the chair (or vice-chair); whoever held it sits as a member.

    The roles change in the closing transaction, audited, so the table's chair is never in
    doubt and nobody has to copy the result by hand.
    """
    if ballot.kind not in ELECTIONS or winner is None or not winner.isdigit():
        return
    role = Role.CHAIR if ballot.kind is BallotKind.CHAIR else Role.VICE_CHAIR
    table = await session.get(Table, ballot.table_id)
    elected = await session.get(Person, int(winner))
    if table is None or elected is None:
        return
    for person, current in await table_roster(session, table.id, today):
        if current is role and person.id != elected.id:
            await grant_role(
                session,
                person=person,
                table=table,
                role=Role.MEMBER,
                starts_on=today,
                ends_on=term_ends_on,
                actor_id=None,
            )
    await grant_role(
        session,
        person=elected,
        table=table,
        role=role,
        starts_on=today,
        ends_on=term_ends_on,
        actor_id=None,
    )
    await record(
        session,
        actor_id=None,
        action="election.seated",
        subject=f"ballot:{ballot.id}",
        detail={"person_id": elected.id, "role": role.value},
        at=now,
    )
