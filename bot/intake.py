"""Intake: no update Telegram considers delivered is lost, and each person's take effect in order.

Every update is queued in the database (`storage.updates`) before Telegram is told it arrived:
polling confirms an offset with the next getUpdates only after the updates before it are
queued; webhook answers 200 only after the update is queued. `Intake` then handles the queue
with a bounded number of handlers (sized to the database pool), one person's updates one at a
time in update_id order. Handling removes the update from the queue in the update's own
transaction (`TransactionMiddleware`), so after a crash what is still queued is handled again
and nothing twice. When the queue is full, polling stops fetching and webhook makes Telegram
wait: Telegram keeps what we have not taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from storage.updates import Queued, enqueue, queue_length, queued, unqueue

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Ticket:
    """A queued update being handled; `TransactionMiddleware` settles it in its transaction."""

    update_id: int
    person_key: int | None
    settled: bool = False  # removed from the queue together with its effects
    deferred: bool = False  # an earlier update of the same person is still queued


def person_key(update: Update) -> int | None:
    """Whose update this is, for ordering: the sender, else the chat."""
    context = UserContextMiddleware.resolve_event_context(update)
    if context.user is not None:
        return context.user.id
    if context.chat is not None:
        return context.chat.id
    return None


def as_sent(update: Update) -> str:
    """The update as Telegram's JSON: only the fields Telegram sent (aiogram fills the others
    with defaults, some of them placeholders without a JSON form)."""
    return update.model_dump_json(by_alias=True, exclude_unset=True)


def handler_slots(pool_size: int) -> int:
    """Handlers at once: a handler holds a connection only inside its transaction and spends
    the rest on Telegram calls, so twice the pool's steady size; its overflow serves the ticks."""
    return max(2, 2 * pool_size)


class Intake:
    """The durable queue of one bot and the handlers that work through it."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        slots: int,
        backlog: int = 1000,
        rescan: float = 1.0,
        retry: float = 0.2,
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.slots = asyncio.Semaphore(slots)
        self.in_memory = 4 * slots  # queued rows read into memory at most
        self.backlog = backlog  # queued rows at most; past it Telegram keeps the rest
        self.rescan = rescan
        self.retry = retry
        self._queued = 0  # an estimate, corrected from the database at every rescan
        self._lines: dict[object, list[Queued]] = {}
        self._taken: set[int] = set()
        self._cursor: int | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._room = asyncio.Condition()
        self._stopping = False

    # Receiving

    async def put(self, updates: Sequence[Update], payloads: Sequence[str] | None = None) -> None:
        """Queue updates durably (committed when this returns)."""
        if not updates:
            return
        rows = [
            Queued(
                update.update_id,
                person_key(update),
                payloads[i] if payloads is not None else as_sent(update),
            )
            for i, update in enumerate(updates)
        ]
        async with self.sessionmaker() as session, session.begin():
            await enqueue(session, self.bot.id, rows, self.clock.now())
        self._queued += len(rows)
        self._wake.set()

    def room(self) -> int:
        return max(0, self.backlog - self._queued)

    async def wait_for_room(self) -> None:
        async with self._room:
            await self._room.wait_for(lambda: self.room() > 0)

    # Handling

    async def run(self) -> None:
        """Work through the queue until `stop()`; what is read into memory is finished."""
        last_rescan = -self.rescan
        loop = asyncio.get_running_loop()
        while not self._stopping:
            full = loop.time() - last_rescan >= self.rescan
            try:
                await self._take(full)
            except Exception:
                log.exception("reading the update queue failed")
            if full:
                last_rescan = loop.time()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.rescan)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def idle(self) -> None:
        """Everything queued so far has been handled (for tests)."""
        while True:
            async with self.sessionmaker() as session:
                left = await queue_length(session, self.bot.id)
            if not left and not self._taken:
                return
            self._wake.set()
            await asyncio.sleep(0.05)

    async def _take(self, full: bool) -> None:
        room = self.in_memory - len(self._taken)
        if room <= 0 or (not full and room < self.in_memory // 2 and not self._wake.is_set()):
            return
        async with self.sessionmaker() as session:
            if full:
                # From the start: rows queued late (lower ids) or left by another process.
                rows = await queued(session, self.bot.id, room + len(self._taken))
                self._queued = await queue_length(session, self.bot.id)
            else:
                rows = await queued(session, self.bot.id, room, after=self._cursor)
        if full:
            await self._notify_room()
        for row in rows:
            if row.update_id in self._taken or room <= 0:
                continue
            room -= 1
            self._dispatch(row)

    def _dispatch(self, row: Queued) -> None:
        self._taken.add(row.update_id)
        if self._cursor is None or row.update_id > self._cursor:
            self._cursor = row.update_id
        key: object = row.person_key if row.person_key is not None else ("update", row.update_id)
        line = self._lines.get(key)
        if line is not None:
            line.append(row)
            return
        self._lines[key] = [row]
        task = asyncio.create_task(self._serve(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, key: object) -> None:
        """One person's queued updates, one at a time, oldest first."""
        line = self._lines[key]
        try:
            while line:
                row = min(line, key=lambda r: r.update_id)
                if not await self._handle(row):
                    await asyncio.sleep(self.retry)  # another process has an earlier one
                    continue
                line.remove(row)
                self._taken.discard(row.update_id)
                self._queued = max(0, self._queued - 1)
                await self._notify_room()
                if len(self._taken) <= self.in_memory // 2:
                    self._wake.set()
        finally:
            for row in line:
                self._taken.discard(row.update_id)
            del self._lines[key]

    async def _handle(self, row: Queued) -> bool:
        """Handle one queued update; False when it must wait for an earlier one."""
        async with self.slots:
            ticket = Ticket(row.update_id, row.person_key)
            try:
                update = Update.model_validate_json(row.payload, context={"bot": self.bot})
                await self.dispatcher.feed_update(self.bot, update, intake_ticket=ticket)
            except Exception:
                log.exception("update %s failed", row.update_id)
            if ticket.deferred:
                return False
            if not ticket.settled:
                # Dropped before its transaction (flood guard) or failed in it: it is done.
                try:
                    async with self.sessionmaker() as session, session.begin():
                        await unqueue(session, self.bot.id, row.update_id)
                except Exception:
                    log.exception("update %s stays queued", row.update_id)
            return True

    async def _notify_room(self) -> None:
        async with self._room:
            self._room.notify_all()


async def poll(
    bot: Bot,
    intake: Intake,
    stop: asyncio.Event,
    allowed_updates: list[str] | None,
    polling_timeout: int = 30,
) -> None:
    """Long polling that confirms an offset only after the updates before it are queued."""
    log.info("Start polling for bot @%s id=%d", (await bot.me()).username, bot.id)
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        await _until(stop, intake.wait_for_room())
        if stop.is_set():
            return
        request = GetUpdates(
            offset=offset,
            timeout=polling_timeout,
            allowed_updates=allowed_updates,
            limit=max(1, min(100, intake.room())),
        )
        try:
            updates = await _until(stop, bot(request, request_timeout=polling_timeout + 30))
            if updates is None:
                return  # stopping: what that request returned was not confirmed
            await intake.put(updates)
        except Exception as error:
            failures += 1
            delay = min(30.0, 0.5 * 2**failures)
            log.error("fetching updates failed (%s); again in %.1f s", error, delay)
            await _until(stop, asyncio.sleep(delay))
            continue
        failures = 0
        if updates:
            offset = updates[-1].update_id + 1


async def _until(stop: asyncio.Event, work: Any) -> Any:
    """`work`'s result, or None (work cancelled) when `stop` is set first."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


def webhook_handler(intake: Intake, secret: str, wait: float = 20.0) -> Any:
    """Answers 200 only after the update is queued; 503 (Telegram tries again) when full."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=401, text="Unauthorized")
        body = await request.text()
        try:
            update = Update.model_validate_json(body, context={"bot": intake.bot})
        except ValueError:
            return web.Response(status=400, text="Bad update")
        try:
            async with asyncio.timeout(wait):
                await intake.wait_for_room()
        except TimeoutError:
            return web.Response(status=503, text="Busy")
        await intake.put([update], [body])
        return web.Response(status=200)

    return receive
