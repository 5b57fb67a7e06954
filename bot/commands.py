"""Slash commands: names (with Finnish aliases), who sees them, and the lists sent to Telegram."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.filters import Command
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from bot.config import LANGUAGES
from storage.roles import NOBODY, Access, coordinators, everyone, insiders, organizers


@dataclass(frozen=True)
class CommandSpec:
    name: str
    alias_fi: str | None
    description: LazyProxy
    shown_to: Callable[[Access], bool]
    in_groups: bool = False


COMMANDS: list[CommandSpec] = [
    CommandSpec("menu", "valikko", __("Kaikki toiminnot napeilla"), everyone),
    CommandSpec("help", "apua", __("Ohje: mitä voit tehdä"), everyone, in_groups=True),
    CommandSpec("members", "jasenet", __("Pöytäsi jäsenet"), insiders),
    CommandSpec("meetings", "kokoukset", __("Kokoukset, esityslistat ja muistiot"), insiders),
    CommandSpec("me", "tiedot", __("Omat tiedot ja roolit"), everyone),
    CommandSpec("language", "kieli", __("Vaihda kieli"), everyone),
    CommandSpec("reminders", "muistutukset", __("Muistutusten asetukset"), insiders),
    CommandSpec("invite", "kutsu", __("Tee kutsulinkki uudelle jäsenelle"), coordinators),
    CommandSpec("statements", "lausunnot", __("Hyväksytyt lausunnot, haku sanalla"), insiders),
    CommandSpec("drafts", "luonnokset", __("Lausunnot, joita tehdään nyt"), insiders),
    CommandSpec("voterules", "aanestyssaannot", __("Pöydän äänestyssäännöt"), insiders),
    CommandSpec("announce", "tiedote", __("Lähetä tiedote jäsenille"), organizers),
    CommandSpec("email", "sahkoposti", __("Tiedotteet myös sähköpostiin"), insiders),
    CommandSpec("link", "liita", __("Liitä tämä ryhmä pöytään"), coordinators, in_groups=True),
]

_BY_NAME = {spec.name: spec for spec in COMMANDS}


def command(name: str) -> Command:
    """A filter matching the command and its Finnish alias."""
    spec = _BY_NAME[name]
    return Command(*(n for n in (spec.name, spec.alias_fi) if n))


def visible_commands(
    access: Access, language: str, i18n: I18n, *, groups: bool = False
) -> list[BotCommand]:
    with i18n.context(), i18n.use_locale(language):
        return [
            BotCommand(
                command=spec.alias_fi if language == "fi" and spec.alias_fi else spec.name,
                description=str(spec.description),
            )
            for spec in COMMANDS
            if spec.shown_to(access) and (spec.in_groups or not groups)
        ]


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
