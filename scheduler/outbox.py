"""Drains the outbox: claims due rows in the database, sends them, records what happened."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage.outbox import Delivery, OutboxKind, OutboxMessage, StoredFile
from storage.people import Person

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_BATCH = 30
# A claim that outlives this was abandoned by a crashed sender and may be taken over.
CLAIM_TTL = timedelta(seconds=30)


class MissingFile(Exception):
    """The row points at a file that is gone; nothing sensible can be sent."""


@dataclass(frozen=True)
class Claimed:
    id: int
    chat_id: int
    person_id: int | None
    kind: OutboxKind
    payload: dict[str, Any]
    file_id: int | None
    pin: bool
    attempts: int


class OutboxSender:
    def __init__(self, bot: Bot, sessionmaker: async_sessionmaker[AsyncSession],
                 clock: Clock) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.clock = clock
        self._lock = asyncio.Lock()

    async def drain(self) -> int:
        """Send everything due now; returns how many rows reached a final state."""
        done = 0
        async with self._lock:
            while rows := await self._claim():
                for row in rows:
                    done += await self._deliver(row)
        return done

    async def _claim(self) -> list[Claimed]:
        now = self.clock.now()
        async with self.sessionmaker() as session, session.begin():
            due = (
                select(OutboxMessage)
                .where(or_(
                    (OutboxMessage.status == Delivery.PENDING) & (OutboxMessage.not_before <= now),
                    (OutboxMessage.status == Delivery.SENDING)
                    & (OutboxMessage.claimed_until < now),
                ))
                .order_by(OutboxMessage.id)
                .limit(CLAIM_BATCH)
            )
            if self.sessionmaker.kw["bind"].dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            rows = list(await session.scalars(due))
            for row in rows:
                row.status = Delivery.SENDING
                row.claimed_until = now + CLAIM_TTL
                row.attempts += 1
            return [Claimed(r.id, r.chat_id, r.person_id, r.kind, r.payload, r.file_id, r.pin,
                            r.attempts) for r in rows]

    async def _deliver(self, row: Claimed) -> int:
        try:
            message = await self._send(row)
        except TelegramRetryAfter as error:
            # Telegram's limit applies to the whole bot: wait, then try the same row again.
            await self._finish(row, Delivery.PENDING, retry_in=error.retry_after, uncount=True)
            await asyncio.sleep(error.retry_after)
            return 0
        except TelegramForbiddenError as error:
            await self._finish(row, Delivery.BLOCKED, error=error.message)
            await self._mark_closed(row.person_id)
            return 1
        except TelegramBadRequest as error:
            final = (Delivery.UNREACHABLE if "chat not found" in error.message
                     else Delivery.FAILED)
            await self._finish(row, final, error=error.message)
            return 1
        except MissingFile as error:
            await self._finish(row, Delivery.FAILED, error=repr(error))
            return 1
        except TimeoutError as error:
            # The message may have arrived; sending again could double it.
            await self._finish(row, Delivery.UNCERTAIN, error=repr(error))
            return 1
        except (TelegramServerError, TelegramNetworkError) as error:
            if row.attempts >= MAX_ATTEMPTS:
                await self._finish(row, Delivery.FAILED, error=str(error))
                return 1
            await self._finish(row, Delivery.PENDING, retry_in=2 ** row.attempts,
                               error=str(error))
            return 0
        await self._finish(row, Delivery.SENT, message_id=message.message_id)
        if row.pin:
            try:
                await self.bot.pin_chat_message(row.chat_id, message.message_id,
                                                disable_notification=True)
            except TelegramBadRequest as error:  # no rights to pin: the message still went
                log.warning("could not pin in chat %s: %s", row.chat_id, error.message)
        return 1

    async def _send(self, row: Claimed) -> Message:
        markup = row.payload.get("reply_markup")
        reply_markup = InlineKeyboardMarkup.model_validate(markup) if markup else None
        text = row.payload.get("text")
        parse_mode = row.payload.get("parse_mode", "HTML")
        if row.kind is OutboxKind.TEXT:
            return await self.bot.send_message(row.chat_id, text or "", parse_mode=parse_mode,
                                               reply_markup=reply_markup)
        file, upload = await self._file(row.file_id)
        if row.kind is OutboxKind.PHOTO:
            message = await self.bot.send_photo(row.chat_id, upload, caption=text,
                                                parse_mode=parse_mode, reply_markup=reply_markup)
            file_id = message.photo[-1].file_id if message.photo else None
        else:
            message = await self.bot.send_document(row.chat_id, upload, caption=text,
                                                   parse_mode=parse_mode,
                                                   reply_markup=reply_markup)
            file_id = message.document.file_id if message.document else None
        if file is not None and file_id and not file.telegram_file_id:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(update(StoredFile).where(StoredFile.id == file.id)
                                      .values(telegram_file_id=file_id))
        return message

    async def _file(self, file_id: int | None) -> tuple[StoredFile | None, Any]:
        async with self.sessionmaker() as session:
            file = await session.get(StoredFile, file_id) if file_id else None
        if file is None:
            raise MissingFile(file_id)
        if file.telegram_file_id:
            return file, file.telegram_file_id
        return file, BufferedInputFile(file.content or b"", filename=file.file_name)

    async def _finish(self, row: Claimed, status: Delivery, *, message_id: int | None = None,
                      error: str | None = None, retry_in: float = 0,
                      uncount: bool = False) -> None:
        now = self.clock.now()
        values: dict[str, Any] = {"status": status, "claimed_until": None, "error": error}
        if status is Delivery.SENT:
            values.update(telegram_message_id=message_id, sent_at=now)
        if status is Delivery.PENDING:
            values["not_before"] = now + timedelta(seconds=retry_in)
        if uncount:
            values["attempts"] = OutboxMessage.attempts - 1
        async with self.sessionmaker() as session, session.begin():
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                                  .values(**values))

    async def _mark_closed(self, person_id: int | None) -> None:
        if person_id is None:
            return
        async with self.sessionmaker() as session, session.begin():
            await session.execute(update(Person).where(Person.id == person_id)
                                  .values(private_chat_open=False))
