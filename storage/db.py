"""Engine and session factory: SQLite as an embedded database with one writer at a time,
PostgreSQL as is.

SQLite lets one transaction write at a time. In this process writers queue, first come first
served, on an asyncio lock taken just before `BEGIN IMMEDIATE`: waiting there costs nothing,
unlike SQLite's own busy loop, which polls and sleeps up to 100 ms between tries. Read-only work
(a session from `reading()`) begins a deferred transaction instead: in WAL mode a reader never
waits for the writer and never holds it up. SQLite's busy timeout still guards against other
processes (the separate sender, the CLI).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

from storage.sealing import BallotKey, session_info

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A writer that waits longer than this for its turn in this process gives up (an error, as a
# locked database would be); queues that long mean the bot takes in more than it can serve.
WRITER_QUEUE_TIMEOUT = 60.0
# Execution option of a session that only reads (see `reading`).
READ_ONLY = "poytabot_read_only"
_HOLDS_WRITER = "poytabot_holds_writer"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def reading(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncSession:
    """A session for work that only reads: on SQLite it takes no write lock and waits for none.

    A write in it fails on SQLite (the snapshot may be stale by then); use a normal session.
    """
    return sessionmaker(execution_options={READ_ONLY: True})


class _WriterTurn:
    """The asyncio lock writers queue on; one per event loop (tests run several loops)."""

    def __init__(self) -> None:
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            self._locks = {k: v for k, v in self._locks.items() if not k.is_closed()}
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def take(self) -> asyncio.Lock:
        lock = self.lock()
        async with asyncio.timeout(WRITER_QUEUE_TIMEOUT):
            await lock.acquire()
        return lock


def _tune_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine
    turn = _WriterTurn()

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        # IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking;
        # in this process they queue on `turn` first. A connection keeps its turn until it goes
        # back to the pool, by then its COMMIT or ROLLBACK has run.
        if in_greenlet() and _HOLDS_WRITER not in connection.info:
            connection.info[_HOLDS_WRITER] = await_only(turn.take())
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection.info)
            raise

    @event.listens_for(sync_engine, "reset")
    def _on_reset(_dbapi_connection: Any, record: Any, _state: Any) -> None:
        _release(record.info)

    @event.listens_for(sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        _release(record.info)


def _release(info: dict[str, Any]) -> None:
    lock: asyncio.Lock | None = info.pop(_HOLDS_WRITER, None)
    if lock is not None and lock.locked():
        lock.release()


def create_sessionmaker(
    engine: AsyncEngine, ballot_key: BallotKey | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions; `ballot_key` rides along in each session's info for the secret ballots."""
    return async_sessionmaker(engine, expire_on_commit=False, info=session_info(ballot_key))
