"""Telegram's command menu (☰): what everyone sees, and each person's own list."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import (
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from aiogram.utils.i18n import I18n

from core.settings import LANGUAGES
from storage.roles import NOBODY, Access
from views.commands import visible_commands


async def publish_default_commands(bot: Bot, i18n: I18n) -> None:
    """What everyone sees before the bot knows them, per language."""
    for language in LANGUAGES:
        await bot.set_my_commands(
            visible_commands(NOBODY, language, i18n),
            scope=BotCommandScopeAllPrivateChats(),
            language_code=language,
        )
        await bot.set_my_commands(
            visible_commands(Access(None, is_lead=True), language, i18n, groups=True),
            scope=BotCommandScopeAllGroupChats(),
            language_code=language,
        )
    await bot.set_my_commands(
        visible_commands(NOBODY, i18n.default_locale, i18n), scope=BotCommandScopeAllPrivateChats()
    )


async def publish_person_commands(
    bot: Bot, i18n: I18n, telegram_id: int, access: Access, language: str
) -> None:
    """A person's own command list, after joining, a role change or a language change."""
    await bot.set_my_commands(
        visible_commands(access, language, i18n), scope=BotCommandScopeChat(chat_id=telegram_id)
    )
