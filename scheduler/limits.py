"""Telegram's sending limits as aiolimiter buckets, and the bot-wide pause after a 429."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiolimiter import AsyncLimiter

T = TypeVar("T")

# Keep this much below a limit, so that network jitter cannot push one send over it.
SAFETY = 0.985
MAX_RETRY_AFTER_ROUNDS = 20


@dataclass(frozen=True)
class Limit:
    """At most `count` sends in any `period` seconds, up to `burst` of them at once.

    aiolimiter is a leaky bucket: with capacity `burst` (which may be fractional) and rate r
    it lets at most `burst - 1 + r * period` sends, plus one, into any window of `period`
    seconds, so r is chosen to keep that below `count`. A capacity a little above one keeps
    the credit of a timer that fires late, so the long-run rate is really r.
    """

    count: int
    period: float
    burst: float = 1.0

    @property
    def rate(self) -> float:
        return (self.count + 1 - self.burst) / self.period * SAFETY

    def limiter(self) -> AsyncLimiter:
        return AsyncLimiter(self.burst, self.burst / self.rate)


# About 30 messages a second in all, about one a second per chat, 20 a minute per group.
GLOBAL = Limit(30, 1.0, burst=1.2)
PER_CHAT = Limit(3, 3.0, burst=2)
PER_GROUP = Limit(20, 60.0, burst=1.1)


class BotPause:
    """One pause for the whole bot: a 429 anywhere holds every send until retry_after passes."""

    def __init__(self) -> None:
        self._until = 0.0
        self.count = 0  # pauses so far; the limiter restarts gently after each

    def extend(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if self._until <= loop.time():
            self.count += 1
        self._until = max(self._until, loop.time() + seconds)

    @property
    def remaining(self) -> float:
        return max(0.0, self._until - asyncio.get_running_loop().time())

    async def wait(self) -> None:
        # Sleeping, not an Event: another 429 may push the end further while we wait.
        while (left := self.remaining) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)


class Limiter:
    """Every call to Telegram that sends or edits passes here first."""

    def __init__(
        self,
        global_limit: Limit = GLOBAL,
        chat_limit: Limit = PER_CHAT,
        group_limit: Limit = PER_GROUP,
    ) -> None:
        self.global_limit = global_limit
        self.chat_limit = chat_limit
        self.group_limit = group_limit
        self.pause = BotPause()
        self._global = global_limit.limiter()
        self._resumed_after = 0
        self._chats: dict[int, AsyncLimiter] = {}
        self._groups: dict[int, AsyncLimiter] = {}

    @classmethod
    def for_rate(cls, rate: float) -> Limiter:
        """Telegram's limits, with the overall one lowered to `rate` sends a second.

        Several sender processes divide Telegram's 30 a second between them.
        """
        if rate >= GLOBAL.count:
            return cls()
        return cls(Limit(max(1, round(rate)), 1.0, GLOBAL.burst))

    def _bucket(
        self, buckets: dict[int, AsyncLimiter], chat_id: int, limit: Limit
    ) -> AsyncLimiter:
        bucket = buckets.get(chat_id)
        if bucket is None:
            if len(buckets) > 10_000:
                # Forget chats whose bucket has drained: they start from empty again anyway.
                for key in [k for k, b in buckets.items() if b.has_capacity(b.max_rate)]:
                    del buckets[key]
            bucket = buckets[chat_id] = limit.limiter()
        return bucket

    async def slot(self, chat_id: int | None, *, urgent: bool = False) -> None:
        """Wait until one more send to this chat keeps within every limit."""
        if chat_id is not None:
            await self._bucket(self._chats, chat_id, self.chat_limit).acquire()
            if chat_id < 0:
                await self._bucket(self._groups, chat_id, self.group_limit).acquire()
        await self.global_slot(urgent=urgent)

    async def global_slot(self, *, urgent: bool = False) -> None:
        """Wait for a turn within the bot's overall limit (and out of any 429 pause).

        An urgent turn (a reply to someone using the bot right now) goes before the queued
        bulk sends: aiolimiter serves the smallest request first, and a hair less than one
        whole turn changes nothing else.
        """
        amount = 1.0 - 1e-6 if urgent else 1.0
        while True:
            await self.pause.wait()
            await self._resume_gently()
            await self._global.acquire(amount)
            # A 429 came in while this send waited its turn: its turn is void, for all the
            # sends that waited would otherwise go at once when the pause ends.
            if not self.pause.remaining:
                return

    async def _resume_gently(self) -> None:
        """After a 429 pause, start at the steady pace: no burst that could earn another 429."""
        if self._resumed_after < self.pause.count:
            self._resumed_after = self.pause.count
            extra = self.global_limit.burst - 1
            if extra > 0:
                await self._global.acquire(extra)

    async def call(
        self, chat_id: int | None, request: Callable[[], Awaitable[T]], *, urgent: bool = False
    ) -> T:
        """Run one rate-limited request, waiting out 429s for the whole bot."""
        token = counted.set(True)
        try:
            for _ in range(MAX_RETRY_AFTER_ROUNDS):
                await self.slot(chat_id, urgent=urgent)
                try:
                    return await request()
                except TelegramRetryAfter as error:
                    self.pause.extend(error.retry_after)
            await self.slot(chat_id, urgent=urgent)
            return await request()
        finally:
            counted.reset(token)


# Set while a request's turn was already taken from the limiter (the outbox does that itself).
counted: ContextVar[bool] = ContextVar("counted", default=False)
LIMITED_PREFIXES = ("send", "edit", "copy", "forward", "stoppoll")


class LimitEveryReply(BaseRequestMiddleware):
    """Replies sent by handlers take their turn in the bot's limits too.

    Telegram counts every message the bot sends, so the outbox's pace only holds if the
    limiter sees the rest as well. A reply keeps the chat's pace too and is sent again after
    a 429: a person clicking quickly through a flow gets an answer a little later rather than
    none. Replies go before queued bulk sends.
    """

    def __init__(self, limiter: Limiter) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__.lower()
        if counted.get() or not name.startswith(LIMITED_PREFIXES) or name == "sendchataction":
            return await make_request(bot, method)
        chat_id = getattr(method, "chat_id", None)
        chat = chat_id if isinstance(chat_id, int) else None
        return await self.limiter.call(chat, lambda: make_request(bot, method), urgent=True)
