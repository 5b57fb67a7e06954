"""What two processes share: the pause after a 429 and the flood guard's count, in the
database or in Redis (each "process" here is its own store object on the same backend)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.shared import DatabaseFloodCounter, DatabasePause, RedisFloodCounter, RedisPause
from scheduler.limits import BotPause
from storage.db import create_engine, create_sessionmaker

REDIS_URL = os.environ.get("POYTABOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["database", "redis"])
async def backend(
    request: pytest.FixtureRequest, database_url: str
) -> AsyncIterator[tuple[Callable[[], Any], Callable[[], Any]]]:
    """Factories for a pause and a flood counter, each call a new process's view."""
    if request.param == "database":
        engine = create_engine(database_url)
        sessionmaker = create_sessionmaker(engine)
        yield (lambda: DatabasePause(sessionmaker)), (lambda: DatabaseFloodCounter(sessionmaker))
        await engine.dispose()
        return
    if database_url.startswith("postgresql"):
        pytest.skip("Redis does not depend on the database: once is enough")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    clients: list[Redis] = []

    def client() -> Redis:
        clients.append(Redis.from_url(REDIS_URL))
        return clients[-1]

    yield (lambda: RedisPause(client(), prefix)), (lambda: RedisFloodCounter(client(), prefix))
    keys = [key async for key in clients[0].scan_iter(f"{prefix}:*")] if clients else []
    if keys:
        await clients[0].delete(*keys)
    for redis in clients:
        await redis.aclose()


async def test_a_429_in_one_process_pauses_the_other(backend: Any) -> None:
    make_pause, _ = backend
    here, there = BotPause(make_pause()), BotPause(make_pause())
    here.extend(0.6)
    assert here.remaining > 0
    await asyncio.gather(*here._telling)  # told in the background; wait for it here
    assert there.remaining == 0  # it has not looked yet
    await there.wait()  # holds its sends until the pause the other one saw has passed
    assert there.count == 1  # it did see one pause
    assert await make_pause().remaining() == 0


async def test_the_flood_count_is_one_count_for_all_processes(backend: Any) -> None:
    _, make_counter = backend
    first, second = make_counter(), make_counter()
    counts = await asyncio.gather(*(counter.count(4242, 10.0) for counter in [first, second] * 5))
    # Ten updates at once through two processes: each has its own place in the count.
    assert sorted(counts) == list(range(1, 11))
    assert await first.count(1717, 10.0) == 1  # another person counts apart
