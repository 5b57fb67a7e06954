"""The sender against a scripted bot: what each Telegram answer does to a row."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from scheduler.limits import Limit, Limiter
from scheduler.outbox import OutboxSender
from storage.db import create_engine, create_sessionmaker
from storage.outbox import Delivery, OutboxMessage, enqueue
from storage.people import Person

METHOD = SendMessage(chat_id=1, text="x")


def fast() -> Limiter:
    """Limits far above anything these tests send (one limiter per event loop)."""
    return Limiter(Limit(1000, 1.0), Limit(1000, 1.0), Limit(1000, 1.0))


class Sent:
    def __init__(self, message_id: int) -> None:
        self.message_id = message_id


class ScriptedBot:
    """Answers sendMessage per chat from a script of exceptions; anything else succeeds."""

    def __init__(self, script: dict[int, list[Exception]], delay: float = 0.0) -> None:
        self.script = script
        self.delay = delay
        self.calls: Counter[int] = Counter()
        self.times: list[float] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Sent:
        self.calls[chat_id] += 1
        self.times.append(asyncio.get_running_loop().time())
        if self.delay:
            await asyncio.sleep(self.delay)
        answers = self.script.get(chat_id)
        if answers:
            raise answers.pop(0)
        return Sent(1000 + self.calls.total())


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def queue(
    sessionmaker: async_sessionmaker[AsyncSession], chats: list[int], batch: str = "b"
) -> None:
    now = datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        people = {}
        for chat in chats:
            person = Person(
                telegram_id=chat, first_name=str(chat), private_chat_open=True, created_at=now
            )
            session.add(person)
            await session.flush()
            people[chat] = person.id
        await enqueue(
            session, batch=batch, chat_ids=chats, now=now, text="Tiedote", person_ids=people
        )


async def states(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[int, OutboxMessage]:
    async with sessionmaker() as session:
        return {row.chat_id: row for row in await session.scalars(select(OutboxMessage))}


async def test_each_answer_leads_to_its_own_state(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    bot = ScriptedBot(
        {
            2: [TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user")],
            3: [
                TelegramForbiddenError(
                    METHOD, "Forbidden: bot can't initiate conversation with a user"
                )
            ],
            4: [TelegramNetworkError(METHOD, "Request timeout error")],
            5: [TelegramServerError(METHOD, "Bad Gateway")],
            6: [TelegramBadRequest(METHOD, "Bad Request: chat not found")],
            7: [TelegramNetworkError(METHOD, "ClientConnectorError: refused")],
        }
    )
    await queue(sessionmaker, [1, 2, 3, 4, 5, 6, 7])
    sender = OutboxSender(bot, sessionmaker, Clock(), limiter=fast())  # type: ignore[arg-type]
    assert await sender.drain() == 5
    rows = await states(sessionmaker)
    assert {chat: row.status for chat, row in rows.items()} == {
        1: Delivery.SENT,
        2: Delivery.BLOCKED,
        3: Delivery.UNREACHABLE,
        4: Delivery.UNCERTAIN,
        5: Delivery.PENDING,
        6: Delivery.UNREACHABLE,
        7: Delivery.PENDING,
    }
    assert rows[1].telegram_message_id is not None and rows[1].sent_at is not None
    assert rows[5].attempts == 1 and rows[5].not_before > datetime.now(UTC)
    async with sessionmaker() as session:
        blocked = await session.scalar(select(Person).where(Person.telegram_id == 2))
    assert blocked is not None and blocked.private_chat_open is False
    # A timed-out send may have arrived: a second drain does not resend it.
    await sender.drain()
    assert bot.calls[4] == 1


async def test_retries_back_off_then_give_up(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    errors: list[Exception] = [TelegramServerError(METHOD, "Bad Gateway") for _ in range(5)]
    bot = ScriptedBot({1: errors})
    await queue(sessionmaker, [1])

    class Later(Clock):
        offset = timedelta(0)

        def now(self) -> datetime:
            return datetime.now(UTC) + self.offset

    clock = Later()
    sender = OutboxSender(bot, sessionmaker, clock, limiter=fast())  # type: ignore[arg-type]
    for _ in range(5):
        await sender.drain()
        clock.offset += timedelta(minutes=10)
    row = (await states(sessionmaker))[1]
    assert (row.status, row.attempts, bot.calls[1]) == (Delivery.FAILED, 5, 5)


async def test_a_429_pauses_every_send_then_retries_the_same_row(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    bot = ScriptedBot({1: [TelegramRetryAfter(METHOD, "Too Many Requests", retry_after=1)]})
    await queue(sessionmaker, [1, 2, 3, 4])
    sender = OutboxSender(
        bot,
        sessionmaker,
        Clock(),
        limiter=fast(),  # type: ignore[arg-type]
        concurrency=1,
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await sender.drain() == 4
    rows = await states(sessionmaker)
    assert all(row.status is Delivery.SENT for row in rows.values())
    assert bot.calls[1] == 2 and rows[1].attempts == 1  # a 429 is not a failed attempt
    after_429 = [t for t in bot.times[1:]]
    assert min(after_429) - started >= 0.99


async def test_a_stale_claim_is_taken_over_and_a_live_one_is_left(
    sessionmaker: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    await queue(sessionmaker, [1, 2])
    now = datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        rows = {r.chat_id: r for r in await session.scalars(select(OutboxMessage))}
        rows[1].status = Delivery.SENDING
        rows[1].claimed_until = now - timedelta(seconds=1)
        rows[1].claimed_by = "crashed"
        rows[2].status = Delivery.SENDING
        rows[2].claimed_until = now + timedelta(minutes=1)
        rows[2].claimed_by = "alive"
    bot = ScriptedBot({})
    await OutboxSender(bot, sessionmaker, Clock(), limiter=fast()).drain()  # type: ignore[arg-type]
    assert dict(bot.calls) == {1: 1}
    rows = await states(sessionmaker)
    assert (rows[1].status, rows[1].attempts, rows[1].error) == (Delivery.SENT, 1, None)
    assert rows[2].status is Delivery.SENDING
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"outbox row {rows[1].id}: claim ran out: crashed; taking it over"
    ]


async def test_two_senders_share_the_work_without_doubles(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    chats = list(range(1, 61))
    await queue(sessionmaker, chats)
    bot = ScriptedBot({}, delay=0.002)
    senders = [
        OutboxSender(
            bot,
            sessionmaker,
            Clock(),
            limiter=fast(),  # type: ignore[arg-type]
            claim_batch=5,
        )
        for _ in range(2)
    ]
    done = await asyncio.gather(*(s.drain() for s in senders))
    assert sum(done) == len(chats)
    assert all(done)  # both took part
    assert set(bot.calls.values()) == {1}


async def test_the_limiter_keeps_any_window_within_the_limit() -> None:
    limit = Limit(10, 0.2)
    limiter = Limiter(limit, Limit(1000, 1.0), Limit(1000, 1.0))
    loop = asyncio.get_running_loop()
    times = []
    for _ in range(45):
        await limiter.slot(None)
        times.append(loop.time())
    for index, start in enumerate(times):
        inside = [t for t in times[index:] if t < start + limit.period]
        assert len(inside) <= limit.count
    # How close to its aim it keeps pace is a figure of `make bench`: a busy machine slows it.


async def test_whatever_the_network_delays_the_server_never_sees_too_many() -> None:
    """The server counts a send at any moment between its start and its finish here."""
    limit = Limit(10, 0.2)
    limiter = Limiter(limit, Limit(1000, 1.0), Limit(1000, 1.0))
    loop = asyncio.get_running_loop()
    rng = random.Random(11)
    seen: list[float] = []

    async def send() -> None:
        async with limiter.turn(None):
            start = loop.time()
            await asyncio.sleep(rng.uniform(0, 0.05))
            # Arrival at the server: anywhere within the request, the worst case at either end.
            seen.append(rng.choice([start, loop.time(), rng.uniform(start, loop.time())]))

    await asyncio.gather(*(send() for _ in range(60)))
    seen.sort()
    crowded = max(
        len([t for t in seen[index:] if t < start + limit.period])
        for index, start in enumerate(seen)
    )
    print(f"most sends the server saw in any {limit.period} s: {crowded} (limit {limit.count})")
    assert crowded <= limit.count


async def test_a_reply_goes_before_the_queued_bulk_sends() -> None:
    limiter = Limiter(Limit(1, 0.05), Limit(1000, 1.0), Limit(1000, 1.0))
    order: list[str] = []

    async def send(name: str, urgent: bool) -> None:
        async with limiter.turn(None, urgent=urgent):
            order.append(name)

    bulk = [asyncio.create_task(send(f"bulk {n}", False)) for n in range(4)]
    await asyncio.sleep(0.01)  # the first bulk send holds the window; three wait
    await send("reply", True)
    await asyncio.gather(*bulk)
    assert order[:2] == ["bulk 0", "reply"]


async def test_sends_that_waited_out_a_429_pause_keep_the_window_after_it() -> None:
    limit = Limit(20, 1.0)
    limiter = Limiter(limit, Limit(1000, 1.0), Limit(1000, 1.0))
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def sender(number: int) -> None:
        for _ in range(6):
            await limiter.slot(None)
            times.append(loop.time())

    tasks = [asyncio.create_task(sender(n)) for n in range(6)]
    await asyncio.sleep(0.2)
    limiter.pause.extend(0.4)
    paused_until = loop.time() + 0.4
    await asyncio.gather(*tasks)
    assert not [t for t in times if paused_until - 0.39 < t < paused_until - 0.01]
    for index, start in enumerate(sorted(times)):
        inside = [t for t in sorted(times)[index:] if t < start + limit.period]
        assert len(inside) <= limit.count
