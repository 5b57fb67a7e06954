"""A small table with people, shared by the reminder tests and the two-process worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.outbox import OutboxMessage
from storage.people import Membership, Person, Table
from storage.reminders import Reminder
from storage.roles import Role

TERM_START = date(2025, 6, 1)
TERM_END = date(2027, 5, 31)


@dataclass(frozen=True)
class World:
    table_id: int
    chair: int
    members: tuple[int, ...]
    coordinator: int
    other_table_member: int

    @property
    def seated(self) -> set[int]:
        return {self.chair, *self.members}

    @property
    def everyone_at_table(self) -> set[int]:
        return {*self.seated, self.coordinator}


async def _person(
    session: AsyncSession, name: str, telegram_id: int, now: datetime, language: str = "fi"
) -> Person:
    person = Person(
        telegram_id=telegram_id,
        first_name=name,
        private_chat_open=True,
        language=language,
        created_at=now,
    )
    session.add(person)
    await session.flush()
    return person


async def make_world(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    members: int = 3,
    zone: str = "Europe/Helsinki",
) -> World:
    async with sessionmaker() as session, session.begin():
        table = Table(
            slug="pohjoinen",
            name_fi="Pohjoinen kumppanuuspöytä",
            name_sv="Norra partnerskapsbordet",
            name_en="North partnership table",
            timezone=zone,
            group_is_forum=False,
            position=0,
        )
        other = Table(
            slug="etelainen",
            name_fi="Eteläinen kumppanuuspöytä",
            name_sv="Södra partnerskapsbordet",
            name_en="South partnership table",
            timezone=zone,
            group_is_forum=False,
            position=1,
        )
        session.add_all([table, other])
        await session.flush()

        async def seat(person: Person, role: Role, at: Table) -> None:
            session.add(
                Membership(
                    person_id=person.id,
                    table_id=at.id,
                    role=role,
                    starts_on=TERM_START,
                    ends_on=TERM_END,
                )
            )

        chair = await _person(session, "Pirjo", 1000, now)
        await seat(chair, Role.CHAIR, table)
        seated = []
        for number in range(members):
            member = await _person(
                session,
                f"Jäsen{number}",
                1001 + number,
                now,
                language="sv" if number == 1 else "fi",
            )
            await seat(member, Role.MEMBER, table)
            seated.append(member.id)
        coordinator = await _person(session, "Kaisa", 900, now)
        await seat(coordinator, Role.COORDINATOR, table)
        stranger = await _person(session, "Erkki", 2000, now)
        await seat(stranger, Role.MEMBER, other)
        await session.flush()
        return World(table.id, chair.id, tuple(seated), coordinator.id, stranger.id)


async def outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def reminders(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Reminder]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Reminder).order_by(Reminder.id)))


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
