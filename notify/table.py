"""Telling a whole table: its people through the outbox, each in their language, and its group
(its own forum topic when there is one), and one person in their private chat."""

from __future__ import annotations

import logging
from datetime import date, datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from notify.fanout import View, person_recipient, tell
from storage.outbox import OutboxKind, StoredFile
from storage.people import Table, table_roster
from storage.roles import SEATED_ROLES, Role
from views.text import split_text

log = logging.getLogger(__name__)


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
    view: View,
    now: datetime,
    today: date,
    with_coordinators: bool = True,
    only: set[int] | None = None,
    file: StoredFile | None = None,
    originator_id: int | None = None,
) -> int:
    """Queue a view to the table's people, each in their language (not the table's group).

    `only` narrows it to these person ids; with `file` the text is the document's caption.
    Returns how many messages were queued.
    """
    people = [
        person
        for person, role in await table_roster(session, table_id, today)
        if (with_coordinators or role is not Role.COORDINATOR)
        and (only is None or person.id in only)
    ]
    to = [person_recipient(p, i18n.default_locale) for p in people]
    kind = OutboxKind.DOCUMENT if file else OutboxKind.TEXT
    told = await tell(
        session,
        i18n,
        to,
        view,
        batch=batch,
        now=now,
        kind=kind,
        file=file,
        originator_id=originator_id,
    )
    return told.messages


async def tell_group(
    bot: Bot,
    i18n: I18n,
    table: Table,
    view: View,
    thread_id: int | None = None,
    file: StoredFile | None = None,
) -> int | None:
    """Post in the table's group, in the default language; a failure is logged, not raised,
    so the act that caused it still stands."""
    if table.group_chat_id is None:
        return None
    with i18n.context(), i18n.use_locale(i18n.default_locale):
        rendered = view(i18n.default_locale)
    if rendered is None:
        return None
    text, markup = rendered.text, rendered.markup
    try:
        if file is not None and file.telegram_file_id:
            message = await bot.send_document(
                table.group_chat_id,
                file.telegram_file_id,
                caption=text,
                message_thread_id=thread_id,
            )
        elif text is not None:
            # A long request background or notice goes in parts, the buttons on the last.
            parts = split_text(text) or [text]
            for number, part in enumerate(parts, start=1):
                message = await bot.send_message(
                    table.group_chat_id,
                    part,
                    reply_markup=markup if number == len(parts) else None,
                    message_thread_id=thread_id,
                )
        else:
            return None
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
    """Send to a person's own chat; False if they have not opened it or have blocked the bot.

    A long text goes in parts, the buttons on the last."""
    parts = split_text(text) or [text]
    try:
        for number, part in enumerate(parts, start=1):
            await bot.send_message(
                user_id, part, reply_markup=markup if number == len(parts) else None
            )
    except (TelegramForbiddenError, TelegramBadRequest) as error:
        log.info("no private chat with %s: %s", user_id, error)
        return False
    return True
