"""Statements: the city's request, drafts and versions, amendments, dissent and submission."""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.audit import record
from storage.base import Base, UtcDateTime, text_enum
from storage.outbox import StoredFile
from storage.people import Person, table_roster
from storage.reminders import Audience, ReminderKind, Target, cancel, schedule
from storage.roles import CHAIR_ROLES, SEATED_ROLES, Access, Role
from storage.vote_rules import Choice, Outcome
from storage.votes import Ballot, BallotKind, BallotStatus, OpenVote

MAX_DRAFT_CHARS = 100_000
SUBJECT_MAX = 300


class StatementStatus(enum.StrEnum):
    DRAFTING = "drafting"
    VOTING = "voting"
    APPROVED = "approved"
    SUBMITTED = "submitted"


class AmendmentStatus(enum.StrEnum):
    PROPOSED = "proposed"
    VOTING = "voting"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Statement(Base):
    """A request for a statement (lausuntopyyntö) and the statement that answers it."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    requester: Mapped[str] = mapped_column(String(200))
    case_number: Mapped[str | None] = mapped_column(String(80))
    background: Mapped[str | None] = mapped_column(Text)
    city_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    internal_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[StatementStatus] = mapped_column(
        text_enum(StatementStatus, 10), default=StatementStatus.DRAFTING
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    group_thread_id: Mapped[int | None] = mapped_column(Integer)
    approved_version: Mapped[int | None] = mapped_column(Integer)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submitted_to: Mapped[str | None] = mapped_column(String(200))


class StatementAttachment(Base):
    """A background document of the request (the city's draft plan, say), kept as a file."""

    __tablename__ = "statement_attachments"

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True
    )


class StatementDrafter(Base):
    __tablename__ = "statement_drafters"

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )


class StatementVersion(Base):
    __tablename__ = "statement_versions"
    __table_args__ = (UniqueConstraint("statement_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # "text", "file" or "amendment"; file_name when it came from a file.
    source: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str | None] = mapped_column(String(255))


class Amendment(Base):
    """Replace this passage of a version with that text."""

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("statement_versions.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    old_text: Mapped[str] = mapped_column(Text)
    new_text: Mapped[str] = mapped_column(Text)
    status: Mapped[AmendmentStatus] = mapped_column(
        text_enum(AmendmentStatus, 10), default=AmendmentStatus.PROPOSED
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    result_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_versions.id", ondelete="SET NULL")
    )


class DissentingOpinion(Base):
    __tablename__ = "dissenting_opinions"
    __table_args__ = (UniqueConstraint("statement_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Refusal(enum.StrEnum):
    """Why a change to a statement was not made; the handler turns each into a plain answer."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_DRAFTING = "not_drafting"
    SUPERSEDED = "superseded"
    PASSAGE_NOT_FOUND = "passage_not_found"
    ALREADY_DECIDED = "already_decided"
    NOT_ALLOWED = "not_allowed"
    NO_VERSION = "no_version"


@dataclass(frozen=True)
class Done:
    version: StatementVersion | None = None
    amendment: Amendment | None = None


# ---- plain rules --------------------------------------------------------------------------


def due_is_valid(due: datetime, now: datetime) -> bool:
    return due > now


# Invisible control characters pasted from other programs: PostgreSQL keeps no NUL, XML none.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_draft(text: str) -> str:
    """Trim and normalise line ends; the empty string means the draft is empty."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def apply_amendment(text: str, old: str, new: str) -> str | None:
    """The text with the first occurrence of `old` replaced, or None if it is not there."""
    if not old or old not in text:
        return None
    return text.replace(old, new, 1)


def version_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    """A line diff, plain text, with `-` and `+` lines as people know them from documents."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, lineterm="", n=1
    )
    return "\n".join(lines)


def may_draft(access: Access, table_id: int, person_id: int | None, drafters: set[int]) -> bool:
    """Named drafters, and whoever leads the table, decide on amendments."""
    return access.leads(table_id) or (person_id is not None and person_id in drafters)


def may_dissent(choice: Choice | None) -> bool:
    return choice in (Choice.DISAGREE, Choice.BLOCK)


# ---- queries and services (the caller commits) ----------------------------------------------


async def create_statement(
    session: AsyncSession,
    *,
    table_id: int,
    subject: str,
    requester: str,
    case_number: str | None,
    background: str | None,
    city_due_at: datetime,
    internal_due_at: datetime,
    by: int | None,
    now: datetime,
) -> Statement:
    statement = Statement(
        table_id=table_id,
        subject=subject,
        requester=requester,
        case_number=case_number,
        background=background,
        city_due_at=city_due_at,
        internal_due_at=internal_due_at,
        status=StatementStatus.DRAFTING,
        created_by=by,
        created_at=now,
    )
    session.add(statement)
    await session.flush()
    await record(
        session,
        actor_id=by,
        action="statement.create",
        subject=f"statement:{statement.id}",
        detail={"table_id": table_id},
        at=now,
    )
    target = statement_target(statement.id)
    await schedule(
        session,
        target=target,
        table_id=table_id,
        kind=ReminderKind.STATEMENT_CITY,
        anchor=city_due_at,
        title=subject,
        now=now,
        audience=Audience.CHAIRS | Audience.COORDINATORS,
    )
    await schedule(
        session,
        target=target,
        table_id=table_id,
        kind=ReminderKind.STATEMENT_INTERNAL,
        anchor=internal_due_at,
        title=subject,
        now=now,
        audience=Audience.TABLE,
    )
    return statement


def statement_target(statement_id: int) -> Target:
    return Target("statement", statement_id)


async def mark_submitted(
    session: AsyncSession, statement: Statement, *, to: str, by: int | None, now: datetime
) -> None:
    statement.status = StatementStatus.SUBMITTED
    statement.submitted_at = now
    statement.submitted_to = to
    await record(
        session,
        actor_id=by,
        action="statement.submit",
        subject=f"statement:{statement.id}",
        detail={"to": to},
        at=now,
    )
    await cancel(session, statement_target(statement.id))


async def attach(
    session: AsyncSession,
    statement: Statement,
    *,
    file_name: str,
    telegram_file_id: str,
    mime_type: str | None,
    now: datetime,
) -> StoredFile:
    """Keep a document Telegram already has; it is sent on by its file id, not re-uploaded."""
    stored = StoredFile(
        file_name=file_name[:255],
        mime_type=mime_type,
        content=None,
        telegram_file_id=telegram_file_id,
        created_at=now,
    )
    session.add(stored)
    await session.flush()
    session.add(StatementAttachment(statement_id=statement.id, file_id=stored.id))
    await session.flush()
    return stored


async def attachments_of(session: AsyncSession, statement_id: int) -> list[StoredFile]:
    return list(
        await session.scalars(
            select(StoredFile)
            .join(StatementAttachment, StatementAttachment.file_id == StoredFile.id)
            .where(StatementAttachment.statement_id == statement_id)
            .order_by(StoredFile.id)
        )
    )


async def drafters_of(session: AsyncSession, statement_id: int) -> set[int]:
    return set(
        await session.scalars(
            select(StatementDrafter.person_id).where(StatementDrafter.statement_id == statement_id)
        )
    )


async def name_drafter(
    session: AsyncSession, statement: Statement, person_id: int, by: int | None, now: datetime
) -> bool:
    if person_id in await drafters_of(session, statement.id):
        return False
    session.add(StatementDrafter(statement_id=statement.id, person_id=person_id))
    await record(
        session,
        actor_id=by,
        action="statement.drafter",
        subject=f"statement:{statement.id}",
        detail={"person_id": person_id},
        at=now,
    )
    await session.flush()
    return True


async def names_of(session: AsyncSession, ids: set[int] | list[int]) -> dict[int, str]:
    """People's full names by id; ids of people no longer there are left out."""
    if not ids:
        return {}
    people = await session.scalars(select(Person).where(Person.id.in_(list(ids))))
    return {p.id: p.full_name for p in people}


async def seated_at(session: AsyncSession, table_id: int, today: date) -> list[Person]:
    """Who sits at the table today (coordinators serve it, they do not sit), chair first."""
    return [p for p, role in await table_roster(session, table_id, today) if role in SEATED_ROLES]


async def deciders_of(session: AsyncSession, statement: Statement, today: date) -> set[int]:
    """Who decides on amendments: the named drafters, the chairs and the coordinators."""
    drafters = await drafters_of(session, statement.id)
    return {
        p.id
        for p, role in await table_roster(session, statement.table_id, today)
        if p.id in drafters or role in CHAIR_ROLES or role is Role.COORDINATOR
    }


async def versions_of(session: AsyncSession, statement_id: int) -> list[StatementVersion]:
    return list(
        await session.scalars(
            select(StatementVersion)
            .where(StatementVersion.statement_id == statement_id)
            .order_by(StatementVersion.number)
        )
    )


async def current_version(session: AsyncSession, statement_id: int) -> StatementVersion | None:
    return await session.scalar(
        select(StatementVersion)
        .where(StatementVersion.statement_id == statement_id)
        .order_by(StatementVersion.number.desc())
        .limit(1)
    )


async def version_by_number(
    session: AsyncSession, statement_id: int, number: int
) -> StatementVersion | None:
    return await session.scalar(
        select(StatementVersion).where(
            StatementVersion.statement_id == statement_id, StatementVersion.number == number
        )
    )


async def add_version(
    session: AsyncSession,
    statement: Statement,
    *,
    text: str,
    author_id: int | None,
    now: datetime,
    source: str = "text",
    file_name: str | None = None,
) -> StatementVersion | Refusal:
    if statement.status is not StatementStatus.DRAFTING:
        return Refusal.NOT_DRAFTING
    text = clean_draft(text)
    if not text:
        return Refusal.EMPTY
    if len(text) > MAX_DRAFT_CHARS:
        return Refusal.TOO_LONG
    number = (
        int(
            await session.scalar(
                select(func.coalesce(func.max(StatementVersion.number), 0)).where(
                    StatementVersion.statement_id == statement.id
                )
            )
            or 0
        )
        + 1
    )
    version = StatementVersion(
        statement_id=statement.id,
        number=number,
        text=text,
        author_id=author_id,
        created_at=now,
        source=source,
        file_name=file_name,
    )
    session.add(version)
    await session.flush()
    return version


async def propose_amendment(
    session: AsyncSession,
    statement: Statement,
    *,
    version_id: int,
    old_text: str,
    new_text: str,
    author_id: int,
    now: datetime,
) -> Amendment | Refusal:
    if statement.status is not StatementStatus.DRAFTING:
        return Refusal.NOT_DRAFTING
    current = await current_version(session, statement.id)
    if current is None:
        return Refusal.NO_VERSION
    if current.id != version_id:
        return Refusal.SUPERSEDED
    old_text, new_text = old_text.strip(), new_text.strip()
    if not old_text:
        return Refusal.EMPTY
    if apply_amendment(current.text, old_text, new_text) is None:
        return Refusal.PASSAGE_NOT_FOUND
    amendment = Amendment(
        statement_id=statement.id,
        version_id=current.id,
        author_id=author_id,
        old_text=old_text,
        new_text=new_text,
        status=AmendmentStatus.PROPOSED,
        created_at=now,
    )
    session.add(amendment)
    await session.flush()
    return amendment


async def decide_amendment(
    session: AsyncSession,
    amendment: Amendment,
    *,
    accept: bool,
    by: int | None,
    now: datetime,
    from_vote: bool = False,
) -> StatementVersion | Refusal | None:
    """Accept (a new version with the change) or reject. None means rejected."""
    allowed = {AmendmentStatus.VOTING} if from_vote else {AmendmentStatus.PROPOSED}
    if amendment.status not in allowed:
        return Refusal.ALREADY_DECIDED
    statement = await session.get(Statement, amendment.statement_id)
    assert statement is not None
    current = await current_version(session, statement.id)
    if accept and (
        current is None
        or current.id != amendment.version_id
        or statement.status is not StatementStatus.DRAFTING
    ):
        if not from_vote:
            return Refusal.SUPERSEDED
        accept = False
    amendment.decided_by = by
    amendment.decided_at = now
    if not accept:
        amendment.status = AmendmentStatus.REJECTED
        return None
    assert current is not None
    changed = apply_amendment(current.text, amendment.old_text, amendment.new_text)
    if changed is None:
        amendment.status = AmendmentStatus.REJECTED
        return None
    version = await add_version(
        session,
        statement,
        text=changed,
        author_id=amendment.author_id,
        now=now,
        source="amendment",
    )
    if isinstance(version, Refusal):
        amendment.status = AmendmentStatus.REJECTED
        return version
    amendment.status = AmendmentStatus.ACCEPTED
    amendment.result_version_id = version.id
    return version


async def approval_ballot(session: AsyncSession, statement_id: int) -> Ballot | None:
    """The newest approval vote of the statement."""
    return await session.scalar(
        select(Ballot)
        .where(Ballot.statement_id == statement_id, Ballot.kind == BallotKind.STATEMENT)
        .order_by(Ballot.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Matter:
    """What a statement or amendment ballot asks: the version put to the vote, the change."""

    version_number: int | None = None
    amendment: Amendment | None = None


async def matter_of(session: AsyncSession, ballot: Ballot) -> Matter:
    version = await session.get(StatementVersion, ballot.version_id) if ballot.version_id else None
    amendment = await session.get(Amendment, ballot.amendment_id) if ballot.amendment_id else None
    return Matter(version.number if version else None, amendment)


async def apply_ballot_outcome(
    session: AsyncSession, ballot: Ballot, outcome: Outcome, now: datetime
) -> None:
    """What a closed statement or amendment vote means for the statement."""
    if ballot.kind is BallotKind.STATEMENT and ballot.statement_id is not None:
        statement = await session.get(Statement, ballot.statement_id)
        version = (
            await session.get(StatementVersion, ballot.version_id) if ballot.version_id else None
        )
        if statement is None or statement.status is not StatementStatus.VOTING:
            return
        if outcome is Outcome.PASSED and version is not None:
            statement.status = StatementStatus.APPROVED
            statement.approved_version = version.number
            statement.approved_at = now
            await cancel(session, statement_target(statement.id), ReminderKind.STATEMENT_INTERNAL)
        else:
            statement.status = StatementStatus.DRAFTING
    elif ballot.kind is BallotKind.AMENDMENT and ballot.amendment_id is not None:
        amendment = await session.get(Amendment, ballot.amendment_id)
        if amendment is not None:
            await decide_amendment(
                session,
                amendment,
                accept=outcome is Outcome.PASSED,
                by=None,
                now=now,
                from_vote=True,
            )


async def add_dissent(
    session: AsyncSession, statement: Statement, person_id: int, text: str, now: datetime
) -> DissentingOpinion | Refusal:
    if statement.status not in (StatementStatus.APPROVED, StatementStatus.SUBMITTED):
        return Refusal.NOT_ALLOWED
    ballot = await approval_ballot(session, statement.id)
    vote = (
        await session.scalar(
            select(OpenVote.choice).where(
                OpenVote.ballot_id == ballot.id, OpenVote.person_id == person_id
            )
        )
        if ballot
        else None
    )
    if not may_dissent(vote):
        return Refusal.NOT_ALLOWED
    text = clean_draft(text)
    if not text:
        return Refusal.EMPTY
    existing = await session.scalar(
        select(DissentingOpinion).where(
            DissentingOpinion.statement_id == statement.id,
            DissentingOpinion.person_id == person_id,
        )
    )
    if existing is not None:
        existing.text = text
        existing.created_at = now
        return existing
    opinion = DissentingOpinion(
        statement_id=statement.id, person_id=person_id, text=text, created_at=now
    )
    session.add(opinion)
    await session.flush()
    return opinion


async def dissents_of(session: AsyncSession, statement_id: int) -> list[DissentingOpinion]:
    return list(
        await session.scalars(
            select(DissentingOpinion)
            .where(DissentingOpinion.statement_id == statement_id)
            .order_by(DissentingOpinion.id)
        )
    )


async def open_statements(session: AsyncSession, table_ids: list[int]) -> list[Statement]:
    return list(
        await session.scalars(
            select(Statement)
            .where(
                Statement.table_id.in_(table_ids),
                Statement.status.in_(
                    [StatementStatus.DRAFTING, StatementStatus.VOTING, StatementStatus.APPROVED]
                ),
            )
            .order_by(Statement.internal_due_at)
        )
    )


async def approved_statements(
    session: AsyncSession, word: str | None = None, limit: int = 30
) -> list[Statement]:
    """Approved and submitted statements, newest first; `word` searches subject, case, body
    and text. Filtered in Python so that å, ä and ö fold the same way on every database."""
    rows = await session.execute(
        select(Statement, StatementVersion.text)
        .join(
            StatementVersion,
            (StatementVersion.statement_id == Statement.id)
            & (StatementVersion.number == Statement.approved_version),
        )
        .where(Statement.status.in_([StatementStatus.APPROVED, StatementStatus.SUBMITTED]))
        .order_by(Statement.approved_at.desc(), Statement.id.desc())
    )
    needle = (word or "").casefold().strip()
    found = []
    for statement, text in rows:
        haystack = " ".join(
            [statement.subject, statement.requester, statement.case_number or "", text]
        ).casefold()
        if needle in haystack:
            found.append(statement)
    return found[:limit]


async def ballot_is_open_for(session: AsyncSession, statement_id: int) -> bool:
    found = await session.scalar(
        select(Ballot.id)
        .where(Ballot.statement_id == statement_id, Ballot.status == BallotStatus.OPEN)
        .limit(1)
    )
    return found is not None


_MOMENT = re.compile(
    r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:(?:klo\s*)?(\d{1,2})[.:](\d{2}))?\s*$", re.IGNORECASE
)
DEFAULT_DUE_HOUR = 16


def parse_local_moment(text: str, zone: ZoneInfo) -> datetime | None:
    """`14.1.2027` (at 16.00) or `14.1.2027 klo 12.00`, local time, as UTC; None if unreadable."""
    match = _MOMENT.match(text)
    if match is None:
        return None
    day_, month, year, hour, minute = match.groups()
    try:
        local = datetime(
            int(year),
            int(month),
            int(day_),
            int(hour) if hour else DEFAULT_DUE_HOUR,
            int(minute) if minute else 0,
            tzinfo=zone,
        )
    except ValueError:
        return None
    return local.astimezone(UTC)
