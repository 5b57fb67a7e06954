"""Telegram's sending limits as sliding windows, the bot-wide pause after a 429, and the
session middleware that paces and retries every call the bot makes."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol, TypeVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_RETRY_AFTER_ROUNDS = 20


@dataclass(frozen=True)
class Limit:
    """At most `count` sends in any `period` seconds, as Telegram counts them."""

    count: int
    period: float

    @property
    def rate(self) -> float:
        return self.count / self.period


class SlidingWindow:
    """Lets a send start only while fewer than `count` sends are in flight or finished less
    than `period` seconds ago.

    Telegram counts a send at some moment between its start and its finish here. A send that
    started only after another one finished `period` ago cannot share a window of `period`
    seconds with it at the server, however the network delays either; so no window there ever
    holds more than `count`. (A leaky bucket that counts start times only needs a margin
    against that jitter, and drew 429s anyway.) The pace is `count` per `period` + latency.
    """

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._in_flight = 0
        self._finished: deque[float] = deque()
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _free(self, now: float) -> int:
        while self._finished and self._finished[0] <= now - self.limit.period:
            self._finished.popleft()
        return self.limit.count - self._in_flight - len(self._finished)

    @property
    def idle(self) -> bool:
        """Nothing in flight or in the window: the window may be forgotten."""
        return self._free(asyncio.get_running_loop().time()) == self.limit.count

    async def acquire(self, *, urgent: bool = False) -> None:
        """Wait for a turn; an urgent one (a reply to someone using the bot) goes first."""
        loop = asyncio.get_running_loop()
        if not self._waiters and self._free(loop.time()) > 0:
            self._in_flight += 1
            return
        turn: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._waiters, (0 if urgent else 1, next(self._order), turn))
        self._wake()
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release(sent=False)  # granted just as it was cancelled: hand it on
            raise

    def release(self, *, sent: bool = True) -> None:
        """The send finished (answered, refused or failed): it counts for `period` from now.

        A turn given back unused (`sent=False`) counts for nothing.
        """
        self._in_flight -= 1
        if sent:
            self._finished.append(asyncio.get_running_loop().time())
        self._wake()

    def _wake(self) -> None:
        loop = asyncio.get_running_loop()
        free = self._free(loop.time())
        while free > 0 and self._waiters:
            _, _, turn = heapq.heappop(self._waiters)
            if turn.done():  # its waiter was cancelled
                continue
            turn.set_result(None)
            self._in_flight += 1
            free -= 1
        if self._waiters and self._finished and self._timer is None:
            self._timer = loop.call_at(self._finished[0] + self.limit.period, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._wake()


# Telegram: about 30 messages a second in all, about one a second per chat with a short burst,
# 20 a minute per group.
GLOBAL = Limit(30, 1.0)
PER_CHAT = Limit(3, 3.0)
PER_GROUP = Limit(20, 60.0)
# Windows kept per chat before the idle ones are forgotten.
KEEP_CHATS = 10_000


class SharedPause(Protocol):
    """Where several processes tell each other of a 429 (see bot.shared)."""

    async def extend_until(self, seconds: float) -> None: ...

    async def remaining(self) -> float: ...


class BotPause:
    """One pause for the whole bot: a 429 anywhere holds every send until retry_after passes.

    With `shared` set, a 429 seen by this process pauses the others too, and theirs pause this
    one: the shared pause is looked at before a send, at most every `look_every` seconds.
    """

    def __init__(self, shared: SharedPause | None = None, look_every: float = 0.25) -> None:
        self._until = 0.0
        self.count = 0  # pauses so far
        self.shared = shared
        self.look_every = look_every
        self._looked = -look_every
        self._telling: set[asyncio.Task[None]] = set()

    def extend(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if self._until <= loop.time():
            self.count += 1
        self._until = max(self._until, loop.time() + seconds)
        if self.shared is not None:
            # The shared store is told in the background: the caller is about to wait anyway.
            task = loop.create_task(self._tell_others(seconds))
            self._telling.add(task)
            task.add_done_callback(self._telling.discard)

    async def _tell_others(self, seconds: float) -> None:
        assert self.shared is not None
        try:
            await self.shared.extend_until(seconds)
        except Exception:
            log.warning("could not share a 429 pause with other processes", exc_info=True)

    @property
    def remaining(self) -> float:
        return max(0.0, self._until - asyncio.get_running_loop().time())

    async def _look(self) -> None:
        loop = asyncio.get_running_loop()
        if self.shared is None or loop.time() - self._looked < self.look_every:
            return
        self._looked = loop.time()
        try:
            left = await self.shared.remaining()
        except Exception:
            log.warning("could not read the shared 429 pause", exc_info=True)
            return
        if left > self.remaining:
            self.count += self.remaining == 0
            self._until = loop.time() + left

    async def wait(self) -> None:
        await self._look()
        # Sleeping, not an Event: another 429 may push the end further while we wait.
        while (left := self.remaining) > 0:
            await asyncio.sleep(left)
            await self._look()


class Limiter:
    """Every call to Telegram that sends or edits takes a turn here first."""

    def __init__(
        self,
        global_limit: Limit = GLOBAL,
        chat_limit: Limit = PER_CHAT,
        group_limit: Limit = PER_GROUP,
        pause: BotPause | None = None,
    ) -> None:
        self.global_limit = global_limit
        self.chat_limit = chat_limit
        self.group_limit = group_limit
        self.pause = pause or BotPause()
        self._global = SlidingWindow(global_limit)
        self._chats: dict[int, SlidingWindow] = {}
        self._groups: dict[int, SlidingWindow] = {}

    @classmethod
    def for_rate(cls, rate: float, pause: BotPause | None = None) -> Limiter:
        """Telegram's limits, with the overall one lowered to `rate` sends a second.

        Several sender processes divide Telegram's 30 a second between them.
        """
        if rate >= GLOBAL.count:
            return cls(pause=pause)
        return cls(Limit(max(1, round(rate)), 1.0), pause=pause)

    def _window(
        self, windows: dict[int, SlidingWindow], chat_id: int, limit: Limit
    ) -> SlidingWindow:
        window = windows.get(chat_id)
        if window is None:
            if len(windows) > KEEP_CHATS:
                # Forget chats whose window has emptied: they start from empty again anyway.
                for key in [k for k, w in windows.items() if w.idle]:
                    del windows[key]
            window = windows[chat_id] = SlidingWindow(limit)
        return window

    @contextlib.asynccontextmanager
    async def turn(self, chat_id: int | None, *, urgent: bool = False) -> AsyncIterator[None]:
        """Hold a turn in every window the send counts in, from before it starts until it has
        finished (whatever the answer), and out of any 429 pause."""
        windows = []
        if chat_id is not None:
            windows.append(self._window(self._chats, chat_id, self.chat_limit))
            if chat_id < 0:
                windows.append(self._window(self._groups, chat_id, self.group_limit))
        windows.append(self._global)
        async with contextlib.AsyncExitStack() as held:
            for window in windows:
                while True:
                    await self.pause.wait()
                    await window.acquire(urgent=urgent)
                    if not self.pause.remaining:
                        break
                    # A 429 came while this send waited: its turn is void until the pause ends.
                    window.release(sent=False)
                held.callback(window.release)
            yield

    async def slot(self, chat_id: int | None) -> None:
        """A turn for a send that takes no time (tests and measurements of the pace alone)."""
        async with self.turn(chat_id):
            pass

    async def call(
        self, chat_id: int | None, request: Callable[[], Awaitable[T]], *, urgent: bool = False
    ) -> T:
        """Run one paced request, waiting out 429s for the whole bot and trying again."""
        token = counted.set(True)
        try:
            for _ in range(MAX_RETRY_AFTER_ROUNDS):
                try:
                    async with self.turn(chat_id, urgent=urgent):
                        return await request()
                except TelegramRetryAfter as error:
                    log.info("429 from Telegram: pausing all sends for %s s", error.retry_after)
                    self.pause.extend(error.retry_after)
            async with self.turn(chat_id, urgent=urgent):
                return await request()
        finally:
            counted.reset(token)


# Set while a request's turn was already taken from the limiter (the outbox does that itself).
counted: ContextVar[bool] = ContextVar("counted", default=False)
LIMITED_PREFIXES = ("send", "edit", "copy", "forward", "stoppoll")


def is_limited(api_method: str) -> bool:
    """Telegram counts what sends or edits a message; a chat action it does not."""
    name = api_method.lower()
    return name.startswith(LIMITED_PREFIXES) and name != "sendchataction"


class PaceEveryCall(BaseRequestMiddleware):
    """Every other call the bot makes (a handler's replies above all) is paced and kept.

    A reply takes its turn in the chat's window as well as the bot's: a person clicking
    quickly through a flow gets each answer a little later rather than one lost to a 429.
    Replies go before queued bulk sends. A 429 on any call pauses the bot, and the call is
    made again once it passes, so no reply is lost.
    """

    def __init__(self, limiter: Limiter) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if counted.get():
            return await make_request(bot, method)
        if not is_limited(method.__api_method__):
            return await self._retrying(make_request, bot, method)
        chat_id = getattr(method, "chat_id", None)
        chat = chat_id if isinstance(chat_id, int) else None
        return await self.limiter.call(chat, lambda: make_request(bot, method), urgent=True)

    async def _retrying(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for _ in range(MAX_RETRY_AFTER_ROUNDS):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                log.info("429 on %s: waiting %s s", method.__api_method__, error.retry_after)
                self.limiter.pause.extend(error.retry_after)
                await self.limiter.pause.wait()
        return await make_request(bot, method)
