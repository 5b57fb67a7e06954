"""Sending an announcement: the options under the preview, now or at a typed time, or cancel."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.announcements.form import Announce, ChosenTables, tables_of
from handlers.routing import message_of
from notify.announcements import queue_announcement, reach_of
from storage.announcements import (
    Announcement,
    AnnouncementStatus,
    Audience,
    WhenProblem,
    parse_when,
)
from storage.audit import record
from storage.outbox import StoredFile
from storage.people import Person
from views.announcements import (
    ASK_WHEN,
    NOBODY_REACHED,
    NOTHING_SENT,
    SENDING,
    WHEN_PROBLEMS,
    AnnStep,
    Step,
    cancel_keyboard,
    options_keyboard,
    scheduled,
)
from views.common import NOT_ALLOWED
from views.text import moment


async def option_toggled(query: CallbackQuery, callback_data: AnnStep, state: FSMContext) -> None:
    message = message_of(query)
    data = await state.get_data()
    data[callback_data.step.value] = not data.get(callback_data.step.value)
    await state.update_data(data)
    await query.answer()
    await message.edit_reply_markup(
        reply_markup=options_keyboard(
            Audience(data["audience"]), bool(data.get("pin")), bool(data.get("ack"))
        )
    )


async def ask_when(query: CallbackQuery, state: FSMContext) -> None:
    message = message_of(query)
    await state.set_state(Announce.when)
    await query.answer()
    await message.answer(str(ASK_WHEN), reply_markup=cancel_keyboard())


async def when_written(
    message: Message,
    state: FSMContext,
    table_ids: list[int],
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
    bot: Bot,
    i18n: I18n,
) -> None:
    when = parse_when(message.text or "", clock.now(), settings.zone)
    if isinstance(when, WhenProblem):
        await message.answer(str(WHEN_PROBLEMS[when]))
        return
    await _send(message, state, table_ids, session, settings, clock, person, bot, i18n, when)


async def send_now(
    query: CallbackQuery,
    state: FSMContext,
    table_ids: list[int],
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
    bot: Bot,
    i18n: I18n,
) -> None:
    message = message_of(query)
    await query.answer()
    await _send(
        message, state, table_ids, session, settings, clock, person, bot, i18n, None, edit=True
    )


async def _stored_file(bot: Bot, spec: dict[str, Any], now: datetime) -> StoredFile:
    """The author's file, fetched from Telegram once, kept for e-mail and for every copy."""
    buffer = io.BytesIO()
    await bot.download(spec["telegram_id"], destination=buffer)
    return StoredFile(
        file_name=spec["name"],
        mime_type=spec["mime"],
        content=buffer.getvalue(),
        telegram_file_id=spec["telegram_id"],
        created_at=now,
    )


async def _send(
    message: Message,
    state: FSMContext,
    table_ids: list[int],
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
    bot: Bot,
    i18n: I18n,
    when: datetime | None,
    *,
    edit: bool = False,
) -> None:
    data = await state.get_data()
    if person is None:
        await state.clear()
        await message.answer(str(NOT_ALLOWED))
        return
    tables = await tables_of(session, table_ids)
    audience = Audience(data["audience"])
    to = await reach_of(
        session,
        tables=tables,
        audience=audience,
        today=clock.today(settings.zone),
        default_language=i18n.default_locale,
        exclude=person.id,
    )
    if not to.anyone:
        await message.answer(str(NOBODY_REACHED))
        return
    now = clock.now()
    file = None
    if data.get("file"):
        file = await _stored_file(bot, data["file"], now)
        session.add(file)
        await session.flush()
    announcement = Announcement(
        author_id=person.id,
        text=data["html"],
        file_id=file.id if file else None,
        file_kind=data["file"]["kind"] if data.get("file") else None,
        table_ids=table_ids,
        audience=audience,
        pin=bool(data.get("pin")),
        ask_ack=bool(data.get("ack")),
        status=AnnouncementStatus.SCHEDULED if when else AnnouncementStatus.SENDING,
        send_at=when or now,
        created_at=now,
        progress_chat_id=message.chat.id,
    )
    session.add(announcement)
    await session.flush()
    await queue_announcement(
        session, i18n, announcement, to, tables=tables, author=person.full_name, now=now, file=file
    )
    await record(
        session,
        actor_id=person.id,
        action="announcement.queue",
        subject=f"announcement:{announcement.id}",
        detail={
            "tables": table_ids,
            "audience": audience.value,
            "telegram": to.by_telegram,
            "email": to.by_email,
            "send_at": announcement.send_at.isoformat(),
        },
    )
    await state.clear()
    if when is not None:
        text = scheduled(moment(when, settings.zone, i18n.current_locale))
    else:
        text = str(SENDING)
    if edit:
        # The question becomes the progress line: one message fewer in the author's chat.
        announcement.progress_message_id = message.message_id
        announcement.progress_text = text
        await message.edit_text(text, reply_markup=None)
    else:
        sent = await message.answer(text)
        announcement.progress_message_id = sent.message_id
        announcement.progress_text = text


async def cancelled(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    await message_of(query).edit_text(str(NOTHING_SENT))


def create_router() -> Router:
    router = Router(name="announcements.sending")
    router.message.filter(F.chat.type == "private")
    options = StateFilter(Announce.options)
    router.callback_query.register(
        option_toggled, options, AnnStep.filter(F.step.in_({Step.PIN, Step.ACK}))
    )
    router.callback_query.register(ask_when, options, AnnStep.filter(F.step == Step.LATER))
    router.message.register(when_written, StateFilter(Announce.when), ChosenTables())
    router.callback_query.register(
        send_now, options, AnnStep.filter(F.step == Step.NOW), ChosenTables()
    )
    router.callback_query.register(cancelled, AnnStep.filter(F.step == Step.CANCEL))
    return router
