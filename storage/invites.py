"""Personal invite links: one token, one table, one role, one use, until it expires."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.audit import record
from storage.base import Base, UtcDateTime
from storage.people import ROLE_TYPE, Person, Table, grant_role
from storage.roles import Role

# Deep-link payloads allow 1-64 characters of [A-Za-z0-9_-]; 18 random bytes give 24 of them.
TOKEN_BYTES = 18


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    invitee_name: Mapped[str | None] = mapped_column(String(200))
    invitee_email: Mapped[str | None] = mapped_column(String(254))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    table: Mapped[Table] = relationship(lazy="joined")


class JoinOutcome(enum.Enum):
    JOINED = "joined"
    ALREADY_JOINED = "already_joined"  # the same person opened their own link again
    UNKNOWN = "unknown"  # forged, mistyped or revoked
    EXPIRED = "expired"
    USED = "used"  # somebody else already used it


@dataclass(frozen=True)
class JoinResult:
    outcome: JoinOutcome
    invite: Invite | None = None


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


async def create_invite(
    session: AsyncSession,
    *,
    table: Table,
    role: Role,
    created_by: int | None,
    now: datetime,
    valid_for: timedelta,
    invitee_name: str | None = None,
    invitee_email: str | None = None,
) -> Invite:
    invite = Invite(
        token=new_token(),
        table_id=table.id,
        role=role,
        created_by=created_by,
        created_at=now,
        expires_at=now + valid_for,
        invitee_name=invitee_name,
        invitee_email=invitee_email,
        table=table,
    )
    session.add(invite)
    await record(
        session,
        actor_id=created_by,
        action="invite.create",
        subject=f"table:{table.id}",
        detail={"role": role.value, "name": invitee_name},
        at=now,
    )
    await session.flush()
    return invite


async def use_invite(
    session: AsyncSession, *, token: str, person: Person, now: datetime, term_ends_on: date | None
) -> JoinResult:
    invite = await session.scalar(select(Invite).where(Invite.token == token))
    if invite is None:
        return JoinResult(JoinOutcome.UNKNOWN)
    # One use, decided by the database: when two people open the link at once, one UPDATE
    # finds it unused and the other finds nothing to change.
    taken = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by=person.id)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(invite)
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        if invite.used_at is None:
            return JoinResult(JoinOutcome.EXPIRED, invite)
        outcome = JoinOutcome.ALREADY_JOINED if invite.used_by == person.id else JoinOutcome.USED
        return JoinResult(outcome, invite)
    if invite.invitee_email and not person.email:
        person.email = invite.invitee_email
    table = await session.get(Table, invite.table_id)
    await grant_role(
        session,
        person=person,
        table=table,
        role=invite.role,
        starts_on=now.date(),
        ends_on=term_ends_on,
        actor_id=invite.created_by,
    )
    await record(
        session, actor_id=person.id, action="invite.use", subject=f"invite:{invite.id}", at=now
    )
    return JoinResult(JoinOutcome.JOINED, invite)


ROLE_WORDS: dict[str, Role] = {
    **{w: Role.MEMBER for w in ("jäsen", "jasen", "member", "medlem")},
    **{w: Role.CHAIR for w in ("puheenjohtaja", "pj", "chair", "ordförande")},
    **{
        w: Role.VICE_CHAIR
        for w in (
            "varapuheenjohtaja",
            "vpj",
            "vice-chair",
            "vice chair",
            "vice_chair",
            "vice ordförande",
        )
    },
    **{
        w: Role.YOUTH_REP
        for w in (
            "nuorisovaltuuston edustaja",
            "nuva",
            "youth_rep",
            "youth council representative",
            "ungdomsfullmäktiges representant",
        )
    },
    **{w: Role.COORDINATOR for w in ("koordinaattori", "coordinator", "koordinator")},
}
MAX_IMPORT_ROWS = 200
INVITE_CSV_LIMIT = 100_000


@dataclass(frozen=True)
class ImportRow:
    line: int
    name: str
    role: Role
    email: str | None


@dataclass(frozen=True)
class ImportProblem:
    line: int
    problem: str  # one of: "name", "role", "email", "too_many"


def parse_member_rows(rows: list[list[str]]) -> tuple[list[ImportRow], list[ImportProblem]]:
    """Rows of (name, role, optional e-mail); a header row is recognised and skipped."""
    parsed: list[ImportRow] = []
    problems: list[ImportProblem] = []
    for line, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        name = cells[0] if cells else ""
        role_word = cells[1].casefold() if len(cells) > 1 else ""
        email = cells[2] if len(cells) > 2 and cells[2] else None
        if line == 1 and role_word in {"rooli", "role", "roll"}:
            continue
        if not name or len(name) > 200:
            problems.append(ImportProblem(line, "name"))
        elif role_word not in ROLE_WORDS:
            problems.append(ImportProblem(line, "role"))
        elif email is not None and ("@" not in email or " " in email or len(email) > 254):
            problems.append(ImportProblem(line, "email"))
        else:
            parsed.append(ImportRow(line, name, ROLE_WORDS[role_word], email))
    if len(parsed) > MAX_IMPORT_ROWS:
        problems.append(ImportProblem(MAX_IMPORT_ROWS + 1, "too_many"))
    return parsed, problems
