"""Who sent an update: the person and their roles today in one statement; written on change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiogram.types import Chat, Update, User
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares import PersonMiddleware
from core.clock import FrozenClock
from core.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.people import Membership, Person, Table, person_and_access
from storage.roles import Access, Role

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
AINO = User(id=501, is_bot=False, first_name="Aino", last_name="Virtanen", language_code="fi")
PRIVATE = Chat(id=501, type="private")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _aino_with_roles(db: async_sessionmaker[AsyncSession]) -> int:
    """Aino: member at one table, coordinator at another until yesterday, lead from tomorrow."""
    async with db() as session, session.begin():
        tables = [Table(slug=s, name_fi=s, name_sv=s, name_en=s) for s in ("a", "b")]
        aino = Person(
            telegram_id=AINO.id,
            first_name="Aino",
            last_name="Virtanen",
            telegram_language="fi",
            private_chat_open=True,
            created_at=NOW,
        )
        session.add_all([*tables, aino])
        await session.flush()
        session.add_all(
            [
                Membership(
                    person_id=aino.id,
                    table_id=tables[0].id,
                    role=Role.MEMBER,
                    starts_on=date(2025, 1, 1),
                ),
                Membership(
                    person_id=aino.id,
                    table_id=tables[1].id,
                    role=Role.COORDINATOR,
                    starts_on=date(2025, 1, 1),
                    ends_on=date(2026, 3, 1),
                ),
                Membership(
                    person_id=aino.id,
                    table_id=None,
                    role=Role.LEAD_COORDINATOR,
                    starts_on=date(2026, 3, 3),
                ),
            ]
        )
        return tables[0].id


async def test_the_person_and_only_todays_roles_come_in_one_statement(
    db: async_sessionmaker[AsyncSession],
) -> None:
    table_id = await _aino_with_roles(db)
    async with db() as session:
        statements: list[str] = []

        def remember(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            statements.append(statement)

        sync_engine = session.get_bind()
        event.listen(sync_engine, "before_cursor_execute", remember)
        try:
            person, access = await person_and_access(session, AINO.id, TODAY)
        finally:
            event.remove(sync_engine, "before_cursor_execute", remember)
        assert person is not None and person.first_name == "Aino"
        assert access == Access(person_id=person.id, roles={table_id: Role.MEMBER})
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
        assert await person_and_access(session, 999, TODAY) == (None, Access(person_id=None))


async def _run(
    db: async_sessionmaker[AsyncSession], user: User, leads: tuple[int, ...] = ()
) -> dict[str, Any]:
    settings = Settings(
        bot_token="1:x",  # type: ignore[arg-type]
        lead_coordinators=list(leads),
        _env_file=None,  # type: ignore[call-arg]
    )
    middleware = PersonMiddleware(settings, FrozenClock(NOW))
    update = Update(update_id=1)
    seen: dict[str, Any] = {}

    async def handler(_event: Any, data: dict[str, Any]) -> None:
        session: AsyncSession = data["session"]
        seen.update(person=data["person"], access=data["access"], dirty=set(session.dirty))

    async with db() as session, session.begin():
        data = {"session": session, "event_from_user": user, "event_chat": PRIVATE}
        await middleware(handler, update, data)
    return seen


async def test_an_unchanged_person_is_not_written(db: async_sessionmaker[AsyncSession]) -> None:
    table_id = await _aino_with_roles(db)
    seen = await _run(db, AINO)
    assert seen["person"].telegram_id == AINO.id
    assert seen["access"].roles == {table_id: Role.MEMBER}
    assert seen["dirty"] == set()


async def test_what_telegram_shows_anew_is_taken(db: async_sessionmaker[AsyncSession]) -> None:
    await _aino_with_roles(db)
    renamed = AINO.model_copy(update={"last_name": "Laine", "username": "ainol"})
    seen = await _run(db, renamed)
    assert seen["dirty"] == {seen["person"]}
    async with db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == AINO.id))
        assert person is not None
        assert (person.first_name, person.last_name, person.username) == ("Aino", "Laine", "ainol")


async def test_a_newcomer_is_recorded_with_no_roles(db: async_sessionmaker[AsyncSession]) -> None:
    newcomer = User(id=777, is_bot=False, first_name="Eero", language_code="sv")
    seen = await _run(db, newcomer)
    assert seen["access"] == Access(person_id=seen["person"].id)
    async with db() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == 777))
        assert person is not None
        assert (person.first_name, person.telegram_language, person.private_chat_open) == (
            "Eero",
            "sv",
            True,
        )


async def test_a_lead_coordinator_named_in_the_settings_is_made_one(
    db: async_sessionmaker[AsyncSession],
) -> None:
    table_id = await _aino_with_roles(db)
    seen = await _run(db, AINO, leads=(AINO.id,))
    assert seen["access"] == Access(
        person_id=seen["person"].id, roles={table_id: Role.MEMBER}, is_lead=True
    )
    again = await _run(db, AINO, leads=(AINO.id,))
    assert again["access"].is_lead and again["dirty"] == set()
