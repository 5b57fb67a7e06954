"""The database as the design asks: WAL, foreign keys, a busy timeout, writers queue up front."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import SQLITE_BUSY_TIMEOUT_MS, create_engine, create_sessionmaker, reading
from storage.migrate import upgrade


async def test_sqlite_connections_are_tuned(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3"
    upgrade(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
            assert (await connection.scalar(text("PRAGMA busy_timeout"))) == SQLITE_BUSY_TIMEOUT_MS
        sessions = create_sessionmaker(engine)
        with pytest.raises(IntegrityError):
            async with sessions() as session, session.begin():
                await session.execute(
                    text(
                        "INSERT INTO memberships (person_id, table_id, role, starts_on) "
                        "VALUES (999, 999, 'member', '2026-01-01')"
                    )
                )
    finally:
        await engine.dispose()


async def test_two_sqlite_writers_wait_for_each_other(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3"
    upgrade(url)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    order: list[str] = []

    async def writer(name: str, hold: float) -> None:
        async with sessions() as session, session.begin():
            # BEGIN IMMEDIATE: the write lock is taken here, before any read.
            await session.execute(text("SELECT 1"))
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            await session.execute(
                text("INSERT INTO stored_files (file_name, created_at) VALUES (:n, '2026-01-01')"),
                {"n": name},
            )
            order.append(f"{name} out")

    try:
        first = asyncio.create_task(writer("a", 0.3))
        await asyncio.sleep(0.05)
        await writer("b", 0)
        await first
        assert order == ["a in", "a out", "b in", "b out"]
    finally:
        await engine.dispose()


async def test_a_sqlite_reader_neither_waits_for_the_writer_nor_holds_it_up(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3"
    upgrade(url)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    insert = text("INSERT INTO stored_files (file_name, created_at) VALUES (:n, '2026-01-01')")
    count = text("SELECT count(*) FROM stored_files")
    try:
        async with sessions() as writing, writing.begin():
            await writing.execute(insert, {"n": "kesken"})
            # The writer holds the write lock and has not committed: a reader still reads,
            # at once, what was committed before.
            async with reading(sessions) as reader:
                assert await reader.scalar(count) == 0
                # A reader's open transaction does not keep the writer from committing.
        async with reading(sessions) as reader:
            assert await reader.scalar(count) == 1
    finally:
        await engine.dispose()


async def test_sqlite_writers_in_one_process_take_turns_in_arrival_order(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3"
    upgrade(url)
    engine = create_engine(url, pool_size=10, max_overflow=0)
    sessions = create_sessionmaker(engine)
    order: list[int] = []

    async def writer(number: int) -> None:
        async with sessions() as session, session.begin():
            await session.execute(
                text("INSERT INTO stored_files (file_name, created_at) VALUES (:n, '2026')"),
                {"n": str(number)},
            )
            order.append(number)
            await asyncio.sleep(0)  # others queue meanwhile

    async def open_connection(ready: asyncio.Barrier) -> None:
        async with reading(sessions) as session:
            await session.execute(text("SELECT 1"))
            await ready.wait()

    try:
        # Eight connections open in the pool first: opening one takes a varying while, and
        # the writers should arrive at their turn in the order they started.
        ready = asyncio.Barrier(8)
        await asyncio.gather(*(open_connection(ready) for _ in range(8)))
        tasks = []
        for number in range(8):
            tasks.append(asyncio.create_task(writer(number)))
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        assert order == list(range(8))
    finally:
        await engine.dispose()
