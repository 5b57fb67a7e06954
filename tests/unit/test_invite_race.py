"""A single-use invite opened by two people at the same moment seats exactly one of them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from storage.db import create_engine, create_sessionmaker
from storage.invites import Invite, JoinOutcome, create_invite, use_invite
from storage.people import Membership, Person, Table
from storage.roles import Role

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ROUNDS = 20


async def test_two_people_opening_one_chair_invite_at_once_make_one_chair(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session, session.begin():
            table = Table(slug="testi", name_fi="Testi", name_sv="Test", name_en="Test")
            session.add(table)
            await session.flush()
            table_id = table.id
        outcomes: list[tuple[JoinOutcome, JoinOutcome]] = []
        for round_ in range(ROUNDS):
            async with sessions() as session, session.begin():
                table = await session.get(Table, table_id)
                assert table is not None
                people = [
                    Person(first_name=f"{name} {round_}", private_chat_open=True, created_at=NOW)
                    for name in ("Anna", "Pekka")
                ]
                session.add_all(people)
                await session.flush()
                invite = await create_invite(
                    session,
                    table=table,
                    role=Role.CHAIR,
                    created_by=None,
                    now=NOW,
                    valid_for=timedelta(days=30),
                )
                token, ids = invite.token, [p.id for p in people]

            async def open_link(person_id: int, token: str = token) -> JoinOutcome:
                async with sessions() as session, session.begin():
                    person = await session.get(Person, person_id)
                    assert person is not None
                    result = await use_invite(
                        session,
                        token=token,
                        person=person,
                        now=NOW,
                        term_ends_on=date(2027, 5, 31),
                    )
                    return result.outcome

            first, second = await asyncio.gather(*(open_link(i) for i in ids))
            outcomes.append((first, second))
            async with sessions() as session:
                seated = await session.scalar(
                    select(func.count())
                    .select_from(Membership)
                    .where(Membership.person_id.in_(ids), Membership.role == Role.CHAIR)
                )
                used_by = await session.scalar(select(Invite.used_by).where(Invite.token == token))
            assert seated == 1, f"round {round_}: {seated} chairs from one invite"
            assert used_by in ids
        wrong = [
            o for o in outcomes if sorted(o, key=str) != [JoinOutcome.JOINED, JoinOutcome.USED]
        ]
        print(f"\n{ROUNDS} rounds, {len(wrong)} wrong")
        assert wrong == []
    finally:
        await engine.dispose()
