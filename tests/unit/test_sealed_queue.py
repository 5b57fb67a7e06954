"""The intake queue keeps what a press carries sealed, and its sender as a pseudonym.

A press on a secret ballot carries the choice in its callback data, and the sender's id in a
commit would date their vote; a copy of the database must show neither (SECURITY.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.db import create_engine, create_sessionmaker
from storage.sealing import BallotKey
from storage.updates import ProcessedUpdate, Queued, QueuedUpdate, enqueue, queued, record

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PRESS = '{"update_id": 7, "callback_query": {"from": {"id": 4242}, "data": "v:3:Aino"}}'


async def test_a_queued_press_is_sealed_and_its_sender_a_pseudonym(database_url: str) -> None:
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine, BallotKey.generate())
    async with sessionmaker() as session, session.begin():
        await enqueue(session, 1, [Queued(7, 4242, PRESS)], NOW)
    async with sessionmaker() as session, session.begin():
        row = (await session.execute(select(QueuedUpdate))).scalar_one()
        assert "Aino" not in row.payload and "4242" not in row.payload
        assert row.person_key not in (None, 4242)
        # The bot reads back exactly what Telegram sent.
        assert [q.payload for q in await queued(session, 1, 10)] == [PRESS]
        assert await record(session, 1, 7, 4242, NOW, in_order=True)
        handled = (await session.execute(select(ProcessedUpdate))).scalar_one()
        assert handled.person_key == row.person_key  # the same pseudonym, never the id
    await engine.dispose()


async def test_an_update_sealed_under_another_key_waits_and_the_rest_go_on(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    old, new = (
        create_sessionmaker(engine, BallotKey.generate()),
        create_sessionmaker(engine, BallotKey.generate()),
    )
    async with old() as session, session.begin():
        await enqueue(session, 1, [Queued(7, 4242, PRESS)], NOW)
    async with new() as session, session.begin():
        await enqueue(session, 1, [Queued(8, 4343, PRESS.replace("7", "8"))], NOW)
    async with new() as session:
        assert [q.update_id for q in await queued(session, 1, 10)] == [8]
    async with old() as session:
        assert [q.update_id for q in await queued(session, 1, 10)] == [7]
    await engine.dispose()
