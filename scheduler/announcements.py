"""The author's live progress line and the final delivery report of each announcement."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from scheduler.outbox import OutboxSender
from storage.announcements import Announcement, AnnouncementStatus, report_for
from storage.db import reading
from storage.people import Person
from views.announcements import progress_line, readers_keyboard, report_text
from views.language import reader_language

log = logging.getLogger(__name__)


class ProgressReporter:
    """Registered with the OutboxSender; edits go through the sender's limiter."""

    def __init__(
        self,
        sender: OutboxSender,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        clock: Clock,
    ) -> None:
        self.sender = sender
        self.sessionmaker = sessionmaker
        self.i18n = i18n
        self.clock = clock

    async def __call__(self) -> None:
        now = self.clock.now()
        async with reading(self.sessionmaker) as session:
            announcements = list(
                await session.scalars(
                    select(Announcement).where(
                        Announcement.status.in_(
                            [AnnouncementStatus.SCHEDULED, AnnouncementStatus.SENDING]
                        ),
                        Announcement.send_at <= now,
                    )
                )
            )
        for announcement in announcements:
            if announcement.progress_message_id is None:
                continue  # the author's message is not there yet
            await self._update(announcement)

    async def _language(self, session: AsyncSession, author_id: int | None) -> str:
        author = await session.get(Person, author_id) if author_id else None
        default = self.i18n.default_locale
        return reader_language(author, default) if author is not None else default

    async def _update(self, announcement: Announcement) -> None:
        async with self.sessionmaker() as session, session.begin():
            report = await report_for(session, announcement)
            language = await self._language(session, announcement.author_id)
        with self.i18n.context(), self.i18n.use_locale(language):
            finished = report.finished
            text = report_text(report) if finished else progress_line(report)
            if text != announcement.progress_text:
                await self._edit(announcement, text, finished)
        async with self.sessionmaker() as session, session.begin():
            row = await session.get(Announcement, announcement.id)
            if row is None:
                return
            row.progress_text = text
            if finished:
                row.status = AnnouncementStatus.DONE
                row.reported_at = self.clock.now()
            elif row.status is AnnouncementStatus.SCHEDULED:
                row.status = AnnouncementStatus.SENDING

    async def _edit(self, announcement: Announcement, text: str, finished: bool) -> None:
        chat_id, message_id = announcement.progress_chat_id, announcement.progress_message_id
        if chat_id is None or message_id is None:
            return
        markup = readers_keyboard(announcement.id) if finished and announcement.ask_ack else None
        bot = self.sender.bot
        try:
            await self.sender.limiter.call(
                chat_id,
                lambda: bot.edit_message_text(
                    text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
                ),
            )
        except (TelegramBadRequest, TelegramForbiddenError) as error:
            log.info("progress of announcement %s not shown: %s", announcement.id, error.message)
