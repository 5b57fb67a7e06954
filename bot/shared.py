"""What several processes of one bot share, and where: Redis when POYTABOT_REDIS_URL is set;
otherwise the database on PostgreSQL (where replicas may run); on SQLite (one process) nothing.

- half-filled forms (`bot.fsm`): Redis or the database, on SQLite too (a restart keeps them);
- the pause after Telegram's 429 (`scheduler.limits.BotPause`);
- the flood guard's count of each person's updates (`bot.middlewares.FloodGuard`).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.fsm import DatabaseStorage, key_builder
from bot.middlewares import FloodCounter
from core.settings import Settings
from scheduler.limits import SharedPause
from storage.replicas import count_update, extend_pause, paused_until

PAUSE = "telegram"


class DatabasePause:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def extend_until(self, seconds: float) -> None:
        async with self.sessionmaker() as session, session.begin():
            await extend_pause(session, PAUSE, datetime.now(UTC) + timedelta(seconds=seconds))

    async def remaining(self) -> float:
        async with self.sessionmaker() as session:
            until = await paused_until(session, PAUSE)
        return max(0.0, (until - datetime.now(UTC)).total_seconds()) if until else 0.0


class DatabaseFloodCounter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def count(self, telegram_id: int, window: float) -> int:
        async with self.sessionmaker() as session, session.begin():
            return await count_update(
                session, telegram_id, datetime.now(UTC), timedelta(seconds=window)
            )


# Keeps the later of two pause ends, in one step however many processes write.
EXTEND_PAUSE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
"""


class RedisPause:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.key = f"{prefix}:pause"

    async def extend_until(self, seconds: float) -> None:
        until = time.time() + seconds
        await self.redis.eval(EXTEND_PAUSE, 1, self.key, repr(until), int(seconds * 1000) + 1)

    async def remaining(self) -> float:
        value = await self.redis.get(self.key)
        return max(0.0, float(value) - time.time()) if value else 0.0


class RedisFloodCounter:
    """Each person's recent updates as a sorted set of their times: a sliding window."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def count(self, telegram_id: int, window: float) -> int:
        key = f"{self.prefix}:flood:{telegram_id}"
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now - window)
            pipe.zadd(key, {uuid.uuid4().hex: now})
            pipe.zcard(key)
            pipe.expire(key, int(window) + 1)
            _, _, counted, _ = await pipe.execute()
        return int(counted)


@dataclass
class Shared:
    fsm: BaseStorage
    pause: SharedPause | None
    flood: FloodCounter | None  # None: the flood guard counts in this process

    async def close(self) -> None:
        await self.fsm.close()


def create_shared(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> Shared:
    if settings.redis_url:
        keys = key_builder(settings.redis_prefix)
        fsm = RedisStorage.from_url(settings.redis_url, key_builder=keys)
        return Shared(
            fsm,
            RedisPause(fsm.redis, settings.redis_prefix),
            RedisFloodCounter(fsm.redis, settings.redis_prefix),
        )
    if settings.database_url.startswith("postgresql"):
        return Shared(
            DatabaseStorage(sessionmaker),
            DatabasePause(sessionmaker),
            DatabaseFloodCounter(sessionmaker),
        )
    return Shared(DatabaseStorage(sessionmaker), None, None)
