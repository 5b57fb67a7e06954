"""Telling a whole table: members' chats through the outbox, one text per language, and the
table's group (its own forum topic when there is one)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import language_from_telegram
from storage.outbox import OutboxKind, StoredFile, enqueue
from storage.people import Person, Table, table_roster
from storage.roles import SEATED_ROLES, Role

log = logging.getLogger(__name__)

Render = Callable[[], tuple[str, InlineKeyboardMarkup | None]]


def person_language(person: Person, default: str) -> str:
    return person.language or language_from_telegram(person.telegram_language, default)


async def seated_count(session: AsyncSession, table_id: int, today: date) -> int:
    return sum(
        1 for _, role in await table_roster(session, table_id, today) if role in SEATED_ROLES
    )


async def tell_members(
    session: AsyncSession,
    i18n: I18n,
    *,
    table_id: int,
    batch: str,
    render: Render,
    now: datetime,
    today: date,
    with_coordinators: bool = True,
    only: set[int] | None = None,
    file: StoredFile | None = None,
) -> int:
    """Queue a message to the table's people who have opened the bot, each in their language.

    `only` narrows it to these person ids; with `file` the text is the document's caption.
    Returns how many messages were queued.
    """
    by_language: dict[str, list[Person]] = defaultdict(list)
    for person, role in await table_roster(session, table_id, today):
        if person.telegram_id is None or not person.private_chat_open:
            continue
        if role is Role.COORDINATOR and not with_coordinators:
            continue
        if only is not None and person.id not in only:
            continue
        by_language[person_language(person, i18n.default_locale)].append(person)
    queued = 0
    for language, people in sorted(by_language.items()):
        with i18n.context(), i18n.use_locale(language):
            text, markup = render()
        chat_ids = [p.telegram_id for p in people if p.telegram_id is not None]
        queued += await enqueue(
            session,
            batch=batch,
            chat_ids=chat_ids,
            now=now,
            text=text,
            file=file,
            kind=OutboxKind.DOCUMENT if file else OutboxKind.TEXT,
            reply_markup=markup.model_dump(exclude_none=True) if markup else None,
            person_ids={p.telegram_id: p.id for p in people if p.telegram_id is not None},
        )
    return queued


async def tell_group(
    bot: Bot,
    i18n: I18n,
    table: Table,
    render: Render,
    thread_id: int | None = None,
    file: StoredFile | None = None,
) -> int | None:
    """Post in the table's group, in the default language; a failure is logged, not raised,
    so the act that caused it still stands."""
    if table.group_chat_id is None:
        return None
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        text, markup = render()
    try:
        if file is not None and file.telegram_file_id:
            message = await bot.send_document(
                table.group_chat_id,
                file.telegram_file_id,
                caption=text,
                message_thread_id=thread_id,
            )
        else:
            message = await bot.send_message(
                table.group_chat_id, text, reply_markup=markup, message_thread_id=thread_id
            )
    except TelegramAPIError as error:
        log.warning("could not post in the group of table %s: %s", table.id, error)
        return None
    return message.message_id


async def open_topic(bot: Bot, table: Table, name: str) -> int | None:
    """A new forum topic for a matter, when the group is a forum; None otherwise."""
    if table.group_chat_id is None or not table.group_is_forum:
        return None
    try:
        topic = await bot.create_forum_topic(table.group_chat_id, name[:128])
    except TelegramAPIError as error:
        log.warning("could not open a topic in table %s: %s", table.id, error)
        return None
    return topic.message_thread_id


async def send_private(
    bot: Bot, user_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Send to a person's own chat; False if they have not opened it or have blocked the bot."""
    try:
        await bot.send_message(user_id, text, reply_markup=markup)
    except (TelegramForbiddenError, TelegramBadRequest) as error:
        log.info("no private chat with %s: %s", user_id, error)
        return False
    return True
