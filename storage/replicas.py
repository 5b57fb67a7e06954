"""What several bot processes share through the database: half-filled forms, the pause after
Telegram's 429, and how many updates each person sent lately (the flood guard).

With Redis configured (POYTABOT_REDIS_URL) forms, pause and counts live there instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime
from storage.claims import is_postgres
from storage.updates import person_key_as_stored


class FormState(Base):
    """One person's place in a form in one chat (aiogram's FSM state and data)."""

    __tablename__ = "form_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class SharedPause(Base):
    """Until when every process holds its sends (Telegram's retry_after is for the whole bot)."""

    __tablename__ = "shared_pauses"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    until: Mapped[datetime] = mapped_column(UtcDateTime)


class FloodMark(Base):
    """One update from one person, kept for the flood guard's window."""

    __tablename__ = "flood_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if is_postgres(session) else sqlite.insert


async def read_form(session: AsyncSession, key: str) -> tuple[str | None, dict[str, Any]]:
    row = (
        await session.execute(select(FormState.state, FormState.data).where(FormState.key == key))
    ).first()
    return (row.state, dict(row.data)) if row else (None, {})


async def write_form_state(session: AsyncSession, key: str, state: str | None) -> None:
    statement = _insert(session)(FormState).values(key=key, state=state, data={})
    await session.execute(
        statement.on_conflict_do_update(index_elements=[FormState.key], set_={"state": state})
    )


async def write_form_data(session: AsyncSession, key: str, data: dict[str, Any]) -> None:
    statement = _insert(session)(FormState).values(key=key, state=None, data=data)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[FormState.key], set_={"data": data})
    )


async def extend_pause(session: AsyncSession, name: str, until: datetime) -> None:
    """Hold sends until `until`, unless another process already holds them longer."""
    statement = _insert(session)(SharedPause).values(name=name, until=until)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SharedPause.name],
            set_={
                "until": case(
                    (statement.excluded.until > SharedPause.until, statement.excluded.until),
                    else_=SharedPause.until,
                )
            },
        )
    )


async def paused_until(session: AsyncSession, name: str) -> datetime | None:
    return await session.scalar(select(SharedPause.until).where(SharedPause.name == name))


async def count_update(
    session: AsyncSession, telegram_id: int, now: datetime, window: timedelta
) -> int:
    """Mark one more update from this person; how many they sent in the `window` up to now.

    One person's updates are counted one after another (on SQLite every writer already is),
    so two at once cannot both be the last one allowed. The person is stored as a keyed
    pseudonym, like the intake queue's sender: a copy of the database cannot date their votes.
    """
    telegram_id = person_key_as_stored(session, telegram_id) or telegram_id
    if is_postgres(session):
        await session.execute(select(func.pg_advisory_xact_lock(telegram_id)))
    await session.execute(
        delete(FloodMark).where(FloodMark.telegram_id == telegram_id, FloodMark.at <= now - window)
    )
    session.add(FloodMark(telegram_id=telegram_id, at=now))
    await session.flush()
    counted = await session.scalar(
        select(func.count()).select_from(FloodMark).where(FloodMark.telegram_id == telegram_id)
    )
    return int(counted or 0)
