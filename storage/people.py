"""Tables, people and memberships: who belongs where, with which role, for which term."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    and_,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import ColumnElement

from storage.audit import record
from storage.base import Base, UtcDateTime, text_enum
from storage.roles import Access, Role

ROLE_TYPE = text_enum(Role, 20)


class Table(Base):
    """A partnership table (kumppanuuspöytä) and the Telegram group it talks in."""

    __tablename__ = "tables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_fi: Mapped[str] = mapped_column(String(120))
    name_sv: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Helsinki")
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    group_is_forum: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, language: str) -> str:
        return {"sv": self.name_sv, "en": self.name_en}.get(language, self.name_fi)


class Person(Base):
    """Anyone who has talked to the bot, or was imported by a coordinator before they did."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(128))
    last_name: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    # Chosen with /language; None means "follow Telegram's language".
    language: Mapped[str | None] = mapped_column(String(5))
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    # Set once the person has opened a private chat with the bot, cleared when they block it.
    private_chat_open: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when the person's data was erased: the row stays so records keep their author.
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="person", foreign_keys="Membership.person_id"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


class Membership(Base):
    """One person's role at one table for one term. Lead coordinators have no table."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "table_id", "starts_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    table_id: Mapped[int | None] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="memberships", foreign_keys=[person_id])
    table: Mapped[Table | None] = relationship(lazy="joined")

    def is_current(self, today: date) -> bool:
        return self.starts_on <= today and (self.ends_on is None or today <= self.ends_on)


async def tables_in_order(session: AsyncSession) -> list[Table]:
    return list(await session.scalars(select(Table).order_by(Table.position, Table.id)))


async def table_by_group(session: AsyncSession, chat_id: int) -> Table | None:
    return await session.scalar(select(Table).where(Table.group_chat_id == chat_id))


async def person_by_telegram_id(session: AsyncSession, telegram_id: int) -> Person | None:
    return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def current_memberships(
    session: AsyncSession, person_id: int, today: date
) -> list[Membership]:
    rows = await session.scalars(select(Membership).where(Membership.person_id == person_id))
    return [m for m in rows if m.is_current(today)]


def _is_current(today: date) -> ColumnElement[bool]:
    return and_(
        Membership.starts_on <= today,
        or_(Membership.ends_on.is_(None), Membership.ends_on >= today),
    )


def _access(person_id: int, roles: Iterable[tuple[int | None, Role]]) -> Access:
    seats: dict[int, Role] = {}
    is_lead = False
    for table_id, role in roles:
        if role is Role.LEAD_COORDINATOR:
            is_lead = True
        elif table_id is not None:
            seats[table_id] = role
    return Access(person_id=person_id, roles=seats, is_lead=is_lead)


async def access_for(session: AsyncSession, person: Person | None, today: date) -> Access:
    if person is None:
        return Access(person_id=None)
    rows = await session.execute(
        select(Membership.table_id, Membership.role).where(
            Membership.person_id == person.id, _is_current(today)
        )
    )
    return _access(person.id, ((table_id, role) for table_id, role in rows))


async def person_and_access(
    session: AsyncSession, telegram_id: int, today: date
) -> tuple[Person | None, Access]:
    """The person with this Telegram id and their roles today, in one statement (every update
    asks this first)."""
    rows = (
        await session.execute(
            select(Person, Membership.table_id, Membership.role)
            .outerjoin(Membership, and_(Membership.person_id == Person.id, _is_current(today)))
            .where(Person.telegram_id == telegram_id)
        )
    ).all()
    if not rows:
        return None, Access(person_id=None)
    person = rows[0][0]
    return person, _access(person.id, ((t, r) for _, t, r in rows if r is not None))


async def table_roster(
    session: AsyncSession, table_id: int, today: date
) -> list[tuple[Person, Role]]:
    """Current people of a table with their roles, chair first, then by name."""
    rows = await session.execute(
        select(Person, Membership)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.table_id == table_id)
    )
    order = {
        Role.CHAIR: 0,
        Role.VICE_CHAIR: 1,
        Role.MEMBER: 2,
        Role.YOUTH_REP: 3,
        Role.COORDINATOR: 4,
    }
    current = [(p, m.role) for p, m in rows if m.is_current(today)]
    return sorted(current, key=lambda pr: (order.get(pr[1], 9), pr[0].full_name.casefold()))


async def grant_role(
    session: AsyncSession,
    *,
    person: Person,
    table: Table | None,
    role: Role,
    starts_on: date,
    ends_on: date | None,
    actor_id: int | None,
) -> Membership:
    """Give a person a role at a table (or lead coordinator), replacing their current one there."""
    table_id = table.id if table else None
    same_table = (
        Membership.table_id == table_id if table_id is not None else Membership.table_id.is_(None)
    )
    existing = await session.scalars(
        select(Membership).where(Membership.person_id == person.id, same_table)
    )
    for membership in existing:
        if membership.is_current(starts_on):
            if membership.role is role:
                return membership
            old_role = membership.role
            membership.role = role
            membership.ends_on = ends_on
            await record(
                session,
                actor_id=actor_id,
                action="role.change",
                subject=f"person:{person.id}",
                detail={"table_id": table_id, "from": old_role.value, "to": role.value},
            )
            return membership
    membership = Membership(
        person_id=person.id, table_id=table_id, role=role, starts_on=starts_on, ends_on=ends_on
    )
    session.add(membership)
    await record(
        session,
        actor_id=actor_id,
        action="role.grant",
        subject=f"person:{person.id}",
        detail={
            "table_id": table_id,
            "role": role.value,
            "ends_on": ends_on.isoformat() if ends_on else None,
        },
    )
    await session.flush()
    return membership
