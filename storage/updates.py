"""Telegram updates: the durable intake queue, and the ids already handled.

An update is first queued here (polling: before the next getUpdates confirms it; webhook:
before Telegram gets its 200), then handled in one transaction that removes it from the queue
and records its id. So an update Telegram considers delivered is either handled or still
queued, and one delivered twice takes effect once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import BigInteger, Index, Text, and_, delete, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime
from storage.sealing import SESSION_KEY, BallotKey

log = logging.getLogger(__name__)


class ProcessedUpdate(Base):
    __tablename__ = "processed_updates"
    __table_args__ = (Index("ix_processed_updates_person", "bot_id", "person_key", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Whose update it was (the sender, else the chat): a person's later update wins.
    person_key: Mapped[int | None] = mapped_column(BigInteger)


class QueuedUpdate(Base):
    """An update received but not yet handled, as Telegram sent it (JSON)."""

    __tablename__ = "queued_updates"
    __table_args__ = (Index("ix_queued_updates_person", "bot_id", "person_key", "update_id"),)

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_key: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class Queued:
    update_id: int
    person_key: int | None
    payload: str


def _key(session: AsyncSession) -> BallotKey | None:
    key = session.info.get(SESSION_KEY)
    return key if isinstance(key, BallotKey) else None


def person_key_as_stored(session: AsyncSession, person_key: int | None) -> int | None:
    """The sender as stored: a keyed pseudonym, so that a copy of the database cannot tell
    whose update (a secret vote, say) each commit took in (SECURITY.md)."""
    key = _key(session)
    return key.pseudonym(person_key) if key and person_key is not None else person_key


def _insert(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def enqueue(
    session: AsyncSession, bot_id: int, updates: Sequence[Queued], now: datetime
) -> None:
    """Queue updates; one already queued (delivered again) is left as it is."""
    if not updates:
        return
    key = _key(session)
    statement = _insert(session)(QueuedUpdate).values(
        [
            {
                "bot_id": bot_id,
                "update_id": u.update_id,
                "person_key": person_key_as_stored(session, u.person_key),
                # Sealed: a press on a secret ballot carries the choice.
                "payload": key.seal_update(u.update_id, u.payload) if key else u.payload,
                "received_at": now,
            }
            for u in updates
        ]
    )
    await session.execute(statement.on_conflict_do_nothing())


async def queued(
    session: AsyncSession, bot_id: int, limit: int, after: int | None = None
) -> list[Queued]:
    """The oldest queued updates, in update_id order."""
    query = select(QueuedUpdate.update_id, QueuedUpdate.person_key, QueuedUpdate.payload).where(
        QueuedUpdate.bot_id == bot_id
    )
    if after is not None:
        query = query.where(QueuedUpdate.update_id > after)
    rows = await session.execute(query.order_by(QueuedUpdate.update_id).limit(limit))
    key = _key(session)
    taken = []
    for id_, person, payload in rows:
        try:
            taken.append(Queued(id_, person, key.open_update(id_, payload) if key else payload))
        except InvalidTag:
            # Sealed under another key (POYTABOT_BALLOT_KEY changed while updates waited): left
            # in the queue for the right key, never a reason to stop taking the others.
            log.error("queued update %s does not open with this ballot key; left queued", id_)
    return taken


async def queue_length(session: AsyncSession, bot_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(QueuedUpdate).where(QueuedUpdate.bot_id == bot_id)
    )
    return int(count or 0)


async def unqueue(session: AsyncSession, bot_id: int, update_id: int) -> None:
    await session.execute(
        delete(QueuedUpdate).where(
            QueuedUpdate.bot_id == bot_id, QueuedUpdate.update_id == update_id
        )
    )


async def record(
    session: AsyncSession,
    bot_id: int,
    update_id: int,
    person_key: int | None,
    now: datetime,
    *,
    in_order: bool,
) -> bool:
    """Record the update as handled in this transaction; False if it must not take effect.

    It must not when it was handled before, or (with `in_order`) when the same person has a
    later update already handled or an earlier one still queued: a person's updates take
    effect in update_id order, and an older press never overwrites a newer one.
    """
    person_key = person_key_as_stored(session, person_key)
    source = select(
        literal(update_id, BigInteger),
        literal(bot_id, BigInteger),
        literal(now, UtcDateTime),
        literal(person_key, BigInteger),
    )
    if in_order and person_key is not None:
        later = ProcessedUpdate.__table__.alias("later")
        earlier = QueuedUpdate.__table__.alias("earlier")
        source = source.where(
            ~exists().where(
                and_(
                    later.c.bot_id == bot_id,
                    later.c.person_key == person_key,
                    later.c.update_id > update_id,
                )
            ),
            ~exists().where(
                and_(
                    earlier.c.bot_id == bot_id,
                    earlier.c.person_key == person_key,
                    earlier.c.update_id < update_id,
                )
            ),
        )
    statement = (
        _insert(session)(ProcessedUpdate)
        .from_select(["update_id", "bot_id", "processed_at", "person_key"], source)
        .on_conflict_do_nothing()
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def waits_for_earlier(
    session: AsyncSession, bot_id: int, update_id: int, person_key: int | None
) -> bool:
    """An earlier update of the same person is still queued (another process has it)."""
    if person_key is None:
        return False
    person_key = person_key_as_stored(session, person_key)
    found = await session.scalar(
        select(
            exists().where(
                QueuedUpdate.bot_id == bot_id,
                QueuedUpdate.person_key == person_key,
                QueuedUpdate.update_id < update_id,
            )
        )
    )
    return bool(found)


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    """Telegram keeps undelivered updates for 24 hours; older ids can never come back."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
