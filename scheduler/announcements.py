"""The author's live progress line and the final delivery report of each announcement."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from handlers.announcements import AnnAcks
from scheduler.outbox import OutboxSender
from storage.announcements import Announcement, AnnouncementStatus, Report, report_for
from storage.people import Person

log = logging.getLogger(__name__)


def progress_line(report: Report) -> str:
    done = report.total - report.waiting_people
    return _("Lähetetään: {done}/{total}").format(done=done, total=report.total)


def report_text(report: Report) -> str:
    lines = [
        _("Tiedote on lähetetty."),
        "",
        _("Perillä: {count}").format(count=report.delivered),
        _("Estänyt botin: {count}").format(count=report.blocked),
        _("Ei ole aloittanut bottia: {count}").format(count=report.never_started),
        _("Epäonnistui: {count}").format(count=report.failed),
    ]
    if report.uncertain:
        lines.append(_("Ehkä perillä (yhteys katkesi): {count}").format(count=report.uncertain))
    if report.emailed or report.email_failed:
        lines.append(_("Sähköpostilla: {count}").format(count=report.emailed))
    if report.email_failed:
        lines.append(_("Sähköposti epäonnistui: {count}").format(count=report.email_failed))
    if report.groups:
        lines.append(
            _("Ryhmät: {done}/{total}").format(done=report.groups_delivered, total=report.groups)
        )
    return "\n".join(lines)


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
        async with self.sessionmaker() as session:
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
        language = (author.language or author.telegram_language or "") if author else ""
        language = language.split("-")[0]
        return language if language in self.i18n.available_locales else self.i18n.default_locale

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
        markup = None
        if finished and announcement.ask_ack:
            builder = InlineKeyboardBuilder()
            builder.button(
                text=_("👀 Kuka on lukenut?"),
                callback_data=AnnAcks(announcement_id=announcement.id),
            )
            markup = builder.as_markup()
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
