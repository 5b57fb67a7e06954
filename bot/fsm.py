"""Half-filled forms kept outside the process: a restart or another replica carries on.

Redis when POYTABOT_REDIS_URL is set (aiogram's RedisStorage), the bot's own database otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares import current_session
from storage.replicas import read_form, write_form_data, write_form_state


def key_builder(prefix: str) -> DefaultKeyBuilder:
    return DefaultKeyBuilder(prefix=prefix, with_bot_id=True, with_destiny=True)


class DatabaseStorage(BaseStorage):
    """aiogram's form state in the `form_states` table.

    Inside an update the update's own transaction is used: the form moves on exactly when the
    update's other effects are saved, and on SQLite a second writer would only wait for the
    first. Outside one (aiogram reads the state before our middlewares run) a short one.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self.keys = key_builder("fsm")

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        session = current_session.get()
        if session is not None:
            yield session
            return
        async with self.sessionmaker() as own, own.begin():
            yield own

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._session() as session:
            await write_form_state(session, self.keys.build(key), value)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._session() as session:
            state, _ = await read_form(session, self.keys.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._session() as session:
            await write_form_data(session, self.keys.build(key), dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._session() as session:
            _, data = await read_form(session, self.keys.build(key))
        return data

    async def close(self) -> None:
        pass  # the engine belongs to the app
