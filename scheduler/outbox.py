"""Drains the outbox: claims due rows in the database, sends them, records what happened.

Rows are claimed a few at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's IMMEDIATE
transactions serialise claims), so several senders share the work and a crashed sender strands
only its small claim, until the claim runs out. Sends go through one `Limiter`; a 429 pauses the
whole bot. A read timeout is recorded as UNCERTAIN and never resent: the message may have
arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.settings import Settings
from scheduler.limits import Limiter, counted
from scheduler.mail import Attachment, Mailer, MailError
from storage.claims import claim
from storage.outbox import (
    Delivery,
    EmailMessage,
    OutboxKind,
    OutboxMessage,
    Outgoing,
    StoredFile,
    queue,
)
from storage.people import Person
from views.delivery import mail_not_delivered, not_delivered
from views.language import reader_language

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_BACKOFF = 300.0
CLAIM_BATCH = 10
# A claim that outlives this was abandoned by a crashed sender and may be taken over.
CLAIM_TTL = timedelta(seconds=20)
# No single request may outlive its claim: it is cut off (and recorded UNCERTAIN) before.
SEND_TIMEOUT = 10
PROGRESS_INTERVAL = 5.0
READ_TIMEOUT = "Request timeout error"

Listener = Callable[[], Awaitable[None]]


class MissingFile(Exception):
    """The row points at a file that is gone; nothing sensible can be sent."""


@dataclass
class Claimed:
    id: int
    chat_id: int
    person_id: int | None
    kind: OutboxKind
    payload: dict[str, Any]
    file_id: int | None
    pin: bool
    attempts: int
    claimed_until: Any
    batch: str = ""
    originator_id: int | None = None


@dataclass
class ClaimedMail:
    id: int
    address: str
    subject: str
    body: str
    attachments: list[dict[str, Any]]
    attempts: int
    batch: str = ""
    originator_id: int | None = None


def sender_name() -> str:
    return f"{socket.gethostname()[:20]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> float:
    return min(MAX_BACKOFF, 2.0**attempts)


Row = TypeVar("Row", OutboxMessage, EmailMessage)
TAKEN_OVER = "claim ran out: "


async def _take(
    session: AsyncSession, model: type[Row], *, now: datetime, until: datetime, by: str, limit: int
) -> list[Row]:
    """Claim up to `limit` due rows for sender `by` until `until`, and load them."""
    ids = await claim(
        session,
        model,
        # Pending and due, or held by a sender whose claim ran out (it crashed).
        due=or_(
            (model.status == Delivery.PENDING) & (model.not_before <= now),
            (model.status == Delivery.SENDING) & (model.claimed_until < now),
        ),
        order_by=[model.id],
        limit=limit,
        values={
            "status": Delivery.SENDING,
            "claimed_until": until,
            "claimed_by": by,
            "attempts": model.attempts + 1,
            # SET sees the row as it was: a row taken over says whose claim ran out.
            "error": case(
                (model.status == Delivery.SENDING, TAKEN_OVER + model.claimed_by),
                else_=model.error,
            ),
        },
    )
    if not ids:
        return []
    rows = list(await session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)))
    for row in rows:
        if row.error and row.error.startswith(TAKEN_OVER):
            log.warning("%s row %s: %s; taking it over", model.__tablename__, row.id, row.error)
    return rows


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        limiter: Limiter | None = None,
        mailer: Mailer | None = None,
        i18n: I18n | None = None,
        concurrency: int = 4,
        claim_batch: int = CLAIM_BATCH,
        claim_ttl: timedelta = CLAIM_TTL,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.limiter = limiter or Limiter()
        self.mailer = mailer
        self.i18n = i18n  # for telling a failed message's originator; None: only logged
        self.concurrency = concurrency
        self.claim_batch = claim_batch
        self.claim_ttl = claim_ttl
        # A send must start early enough in its claim to finish (or time out) within it.
        self._renew_after = max(0.0, claim_ttl.total_seconds() - SEND_TIMEOUT - 1)
        self.name = sender_name()
        self.listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self._stopping = False
        self._last_progress = 0.0
        self._progress_task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(
        cls,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: Settings,
        limiter: Limiter | None = None,
        i18n: I18n | None = None,
    ) -> OutboxSender:
        """The sender as `poytabot run` and `poytabot sender` configure it."""
        return cls(
            bot,
            sessionmaker,
            clock,
            limiter=limiter or Limiter.for_rate(settings.outbox_rate),
            mailer=Mailer.from_settings(settings),
            i18n=i18n,
            concurrency=settings.outbox_concurrency,
            claim_ttl=timedelta(seconds=settings.outbox_claim_ttl),
        )

    def add_listener(self, listener: Listener) -> None:
        """Called every few seconds while sending and once when a drain ends (progress lines)."""
        self.listeners.append(listener)

    def stop(self) -> None:
        """Finish the sends under way, hand the rest of the claim back, and take no more."""
        self._stopping = True

    async def drain(self) -> int:
        """Send everything due now; returns how many rows reached a final state."""
        async with self._lock:
            done = await self._drain_telegram()
            if self.mailer is not None:
                done += await self._drain_email(self.mailer)
            if done:
                await self._progress(force=True)
            return done

    # ---- Telegram ----------------------------------------------------------------------------

    async def _drain_telegram(self) -> int:
        done = 0
        backlog: deque[Claimed] = deque()
        running: set[asyncio.Task[int]] = set()
        exhausted = False
        while True:
            if self._stopping and backlog:
                await self._release([row.id for row in backlog])
                backlog.clear()
            if not exhausted and not self._stopping and len(backlog) <= self.claim_batch // 2:
                claimed = await self._claim(self.claim_batch - len(backlog))
                exhausted = not claimed
                backlog.extend(claimed)
            while backlog and len(running) < self.concurrency:
                running.add(asyncio.create_task(self._deliver(backlog.popleft())))
            if not running:
                if exhausted or self._stopping:
                    return done
                continue
            finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                done += task.result()
            if done:
                exhausted = False
            await self._progress()

    async def _claim(self, limit: int) -> list[Claimed]:
        if limit <= 0:
            return []
        now = self.clock.now()
        until = now + self.claim_ttl
        async with self.sessionmaker() as session, session.begin():
            rows = await _take(
                session, OutboxMessage, now=now, until=until, by=self.name, limit=limit
            )
            return [
                Claimed(
                    r.id,
                    r.chat_id,
                    r.person_id,
                    r.kind,
                    dict(r.payload),
                    r.file_id,
                    r.pin,
                    r.attempts,
                    until,
                    r.batch,
                    r.originator_id,
                )
                for r in rows
            ]

    async def _release(self, ids: list[int]) -> None:
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.claimed_by == self.name,
                    OutboxMessage.status == Delivery.SENDING,
                )
                .values(
                    status=Delivery.PENDING,
                    claimed_until=None,
                    claimed_by=None,
                    attempts=OutboxMessage.attempts - 1,
                    error=None,
                )
            )

    async def _still_mine(self, row: Claimed) -> bool:
        """Renew a claim that is running short, so no other sender can take it mid-send."""
        now = self.clock.now()
        if row.claimed_until - now > timedelta(seconds=SEND_TIMEOUT + 5):
            return True
        until = now + self.claim_ttl
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.claimed_by == self.name,
                    OutboxMessage.status == Delivery.SENDING,
                )
                .values(claimed_until=until)
            )
        if getattr(result, "rowcount", 0) != 1:
            return False
        row.claimed_until = until
        return True

    async def _deliver(self, row: Claimed) -> int:
        # Each delivery runs in its own task: its requests have taken their turn already.
        counted.set(True)
        try:
            return await self._attempt(row)
        except Exception:
            # Unknown state (perhaps the database went away): leave the claim to run out.
            log.exception("outbox row %s: unexpected failure", row.id)
            return 0

    async def _attempt(self, row: Claimed) -> int:
        for _ in range(20):
            await self.limiter.pause.wait()
            if not await self._still_mine(row):
                log.warning("outbox row %s: claim lost to another sender", row.id)
                return 0
            renewed = time.monotonic()
            try:
                # The turn is held until Telegram has answered (see SlidingWindow), so nothing
                # slow belongs inside it; the claim is renewed again only after a long wait.
                async with self.limiter.turn(row.chat_id):
                    if time.monotonic() - renewed > self._renew_after and not (
                        await self._still_mine(row)
                    ):
                        log.warning("outbox row %s: claim lost to another sender", row.id)
                        return 0
                    message = await self._send(row)
            except TelegramRetryAfter as error:
                # Telegram's limit holds for the whole bot: every send waits, then this retries.
                log.info("429 from Telegram: pausing all sends for %s s", error.retry_after)
                self.limiter.pause.extend(error.retry_after)
                continue
            except TelegramMigrateToChat as error:
                row.chat_id = error.migrate_to_chat_id
                await self._update(row, chat_id=row.chat_id)
                continue
            except TelegramForbiddenError as error:
                if "blocked" in error.message:
                    await self._finish(row, Delivery.BLOCKED, error=error.message)
                    await self._mark_closed(row.person_id)
                else:  # never started the bot, deactivated, kicked from the group
                    await self._finish(row, Delivery.UNREACHABLE, error=error.message)
                return 1
            except TelegramBadRequest as error:
                final = (
                    Delivery.UNREACHABLE if "chat not found" in error.message else Delivery.FAILED
                )
                await self._finish(row, final, error=error.message)
                return 1
            except MissingFile as error:
                await self._finish(row, Delivery.FAILED, error=repr(error))
                return 1
            except TelegramNetworkError as error:
                if READ_TIMEOUT in error.message:
                    # The request went out; the message may have arrived. Never resend blindly.
                    await self._finish(row, Delivery.UNCERTAIN, error=error.message)
                    return 1
                return await self._retry_later(row, error.message)
            except TelegramServerError as error:
                return await self._retry_later(row, error.message)
            await self._finish(row, Delivery.SENT, message_id=message.message_id)
            if row.pin:
                await self._pin(row.chat_id, message.message_id)
            return 1
        await self._finish(row, Delivery.PENDING, retry_in=60, error="too many 429 answers")
        return 0

    async def _retry_later(self, row: Claimed, error: str) -> int:
        if row.attempts >= MAX_ATTEMPTS:
            await self._finish(row, Delivery.FAILED, error=error)
            return 1
        await self._finish(row, Delivery.PENDING, retry_in=backoff(row.attempts), error=error)
        return 0

    async def _pin(self, chat_id: int, message_id: int) -> None:
        try:
            await self.limiter.call(
                None,
                lambda: self.bot.pin_chat_message(
                    chat_id, message_id, disable_notification=True, request_timeout=SEND_TIMEOUT
                ),
            )
        except (TelegramBadRequest, TelegramForbiddenError) as error:
            # No right to pin: the message itself still went.
            log.warning("could not pin in chat %s: %s", chat_id, error.message)
        except (TelegramNetworkError, TelegramServerError) as error:
            log.warning("could not pin in chat %s: %s", chat_id, error)

    async def _send(self, row: Claimed) -> Message:
        markup = row.payload.get("reply_markup")
        reply_markup = InlineKeyboardMarkup.model_validate(markup) if markup else None
        text = row.payload.get("text")
        parse_mode = row.payload.get("parse_mode", "HTML")
        if row.kind is OutboxKind.TEXT:
            return await self.bot.send_message(
                row.chat_id,
                text or "",
                parse_mode=parse_mode,
                reply_markup=reply_markup,
                request_timeout=SEND_TIMEOUT,
            )
        file, upload = await self._file(row.file_id)
        if row.kind is OutboxKind.PHOTO:
            message = await self.bot.send_photo(
                row.chat_id,
                upload,
                caption=text,
                parse_mode=parse_mode,
                reply_markup=reply_markup,
                request_timeout=SEND_TIMEOUT,
            )
            file_id = message.photo[-1].file_id if message.photo else None
        else:
            message = await self.bot.send_document(
                row.chat_id,
                upload,
                caption=text,
                parse_mode=parse_mode,
                reply_markup=reply_markup,
                request_timeout=SEND_TIMEOUT,
            )
            file_id = message.document.file_id if message.document else None
        if file is not None and file_id and not file.telegram_file_id:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    update(StoredFile)
                    .where(StoredFile.id == file.id)
                    .values(telegram_file_id=file_id)
                )
        return message

    async def _file(self, file_id: int | None) -> tuple[StoredFile | None, Any]:
        async with self.sessionmaker() as session:
            file = await session.get(StoredFile, file_id) if file_id else None
        if file is None:
            raise MissingFile(file_id)
        if file.telegram_file_id:
            return file, file.telegram_file_id
        return file, BufferedInputFile(file.content or b"", filename=file.file_name)

    async def _update(self, row: Claimed, **values: Any) -> None:
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values)
            )

    async def _finish(
        self,
        row: Claimed,
        status: Delivery,
        *,
        message_id: int | None = None,
        error: str | None = None,
        retry_in: float = 0,
    ) -> None:
        now = self.clock.now()
        values: dict[str, Any] = {
            "status": status,
            "claimed_until": None,
            "claimed_by": None,
            "error": error,
        }
        query = update(OutboxMessage).where(OutboxMessage.id == row.id)
        if status is Delivery.SENT:
            # What was sent is recorded even if the claim was taken over meanwhile.
            values.update(telegram_message_id=message_id, sent_at=now, error=None)
        else:
            query = query.where(OutboxMessage.claimed_by == self.name)
        if status is Delivery.PENDING:
            values["not_before"] = now + timedelta(seconds=retry_in)
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(query.values(**values))
            if status is Delivery.FAILED and getattr(result, "rowcount", 0) == 1:
                await self._report_failure(session, row.batch, row.originator_id, row.person_id)

    async def _report_failure(
        self,
        session: AsyncSession,
        batch: str,
        originator_id: int | None,
        recipient_id: int | None,
        address: str | None = None,
    ) -> None:
        """Tell the person who caused a message that it failed for good, once per message.

        Queued in the transaction that records the failure; the notice itself has no
        originator, so a notice that fails is not reported again.
        """
        if originator_id is None:
            return
        originator = await session.get(Person, originator_id)
        chat = originator.telegram_id if originator and originator.private_chat_open else None
        if originator is None or chat is None or self.i18n is None:
            log.warning("%s failed; its originator %s cannot be told", batch, originator_id)
            return
        recipient = await session.get(Person, recipient_id) if recipient_id else None
        language = reader_language(originator, self.i18n.default_locale)
        with self.i18n.context(), self.i18n.use_locale(language):
            if address is not None:
                text = mail_not_delivered(address)
            else:
                text = not_delivered(recipient.full_name if recipient else None)
        # Parts of one message (`batch/2`) and its e-mails share the notice: one is enough.
        try:
            async with session.begin_nested():
                await queue(
                    session,
                    batch=f"failed:{batch.split('/')[0]}",
                    messages=[Outgoing(chat, text, person_id=originator.id)],
                    now=self.clock.now(),
                )
        except IntegrityError:
            pass  # another part of the message failed at the same moment and queued the notice

    async def _mark_closed(self, person_id: int | None) -> None:
        if person_id is None:
            return
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(Person).where(Person.id == person_id).values(private_chat_open=False)
            )

    # ---- e-mail ------------------------------------------------------------------------------

    async def _drain_email(self, mailer: Mailer) -> int:
        done = 0
        while not self._stopping and (rows := await self._claim_email()):
            for row in rows:
                try:
                    done += await self._deliver_email(mailer, row)
                except Exception:
                    # One broken e-mail must not strand the others claimed with it.
                    log.exception("e-mail row %s: unexpected failure", row.id)
        return done

    async def _claim_email(self) -> list[ClaimedMail]:
        now = self.clock.now()
        async with self.sessionmaker() as session, session.begin():
            rows = await _take(
                session,
                EmailMessage,
                now=now,
                until=now + self.claim_ttl,
                by=self.name,
                limit=self.claim_batch,
            )
            return [
                ClaimedMail(
                    r.id,
                    r.address,
                    r.subject,
                    r.body,
                    list(r.attachments),
                    r.attempts,
                    r.batch,
                    r.originator_id,
                )
                for r in rows
            ]

    async def _deliver_email(self, mailer: Mailer, row: ClaimedMail) -> int:
        now = self.clock.now()
        values: dict[str, Any] = {"claimed_until": None, "claimed_by": None}
        try:
            attachments = await self._mail_attachments(row.attachments)
            await mailer.send(row.address, row.subject, row.body, attachments)
        except MissingFile as error:
            values.update(status=Delivery.FAILED, error=repr(error))
        except MailError as error:
            log.warning("e-mail to row %s failed: %s", row.id, error)
            if error.permanent or row.attempts >= MAX_ATTEMPTS:
                values.update(status=Delivery.FAILED, error=str(error))
            else:
                values.update(
                    status=Delivery.PENDING,
                    error=str(error),
                    not_before=now + timedelta(seconds=backoff(row.attempts)),
                )
        else:
            values.update(status=Delivery.SENT, sent_at=now, error=None)
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(EmailMessage).where(EmailMessage.id == row.id).values(**values)
            )
            if values["status"] is Delivery.FAILED:
                await self._report_failure(
                    session, row.batch, row.originator_id, None, address=row.address
                )
        return 0 if values["status"] is Delivery.PENDING else 1

    async def _mail_attachments(self, specs: list[dict[str, Any]]) -> list[Attachment]:
        attachments = []
        for spec in specs:
            if "file_id" in spec:
                async with self.sessionmaker() as session:
                    file = await session.get(StoredFile, spec["file_id"])
                if file is None or file.content is None:
                    raise MissingFile(spec["file_id"])
                attachments.append(
                    Attachment(
                        file.file_name, file.mime_type or "application/octet-stream", file.content
                    )
                )
            else:
                attachments.append(Attachment(spec["name"], spec["mime"], spec["text"].encode()))
        return attachments

    # ---- progress ----------------------------------------------------------------------------

    async def _progress(self, *, force: bool = False) -> None:
        if not self.listeners:
            return
        now = time.monotonic()
        if not force and now - self._last_progress < PROGRESS_INTERVAL:
            return
        if self._progress_task is not None and not self._progress_task.done():
            if not force:
                return
            await self._progress_task
        self._last_progress = now
        self._progress_task = asyncio.create_task(self._run_listeners())
        if force:
            await self._progress_task

    async def _run_listeners(self) -> None:
        for listener in self.listeners:
            try:
                await listener()
            except Exception:
                log.exception("outbox progress listener failed")


async def run_forever(
    sender: OutboxSender, interval: float = 0.5, stop: asyncio.Event | None = None
) -> None:
    """Drain, sleep, drain again, until `stop` is set; for `poytabot sender`."""
    stop = stop or asyncio.Event()
    stopper = asyncio.create_task(stop.wait())
    stopper.add_done_callback(lambda _: sender.stop())
    while not stop.is_set():
        try:
            await sender.drain()
        except Exception:
            log.exception("outbox drain failed; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
