"""Whose language a text is rendered in, and the /language picker.

The person's choice, else Telegram's, else the default.
"""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.settings import LANGUAGES
from storage.people import Person


class Language(enum.StrEnum):
    """The languages the bot speaks (`core.settings.LANGUAGES`), in the same order."""

    FI = "fi"
    SV = "sv"
    EN = "en"


# On the picker's buttons, each language in itself.
NATIVE_NAMES = {Language.FI: "Suomi", Language.SV: "Svenska", Language.EN: "English"}
# Inside a sentence ("Kieli: suomi"), each language in itself.
LANGUAGE_NAMES = {Language.FI: "suomi", Language.SV: "svenska", Language.EN: "English"}

CHOOSE_LANGUAGE = __("Valitse kieli.")
# Read in the newly chosen language: each catalog names its own language here.
LANGUAGE_CHANGED = __("Kieli vaihdettu: suomi.")


class PickLanguage(CallbackData, prefix="lang"):
    language: Language


def language_from_telegram(code: str | None, default: str) -> str:
    """Telegram gives IETF tags such as 'fi', 'sv-FI' or 'en-GB'."""
    if code:
        base = code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


def reader_language(person: Person, default: str) -> str:
    """The language a message to this person is written in."""
    return str(person.language or language_from_telegram(person.telegram_language, default))


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for language in Language:
        builder.button(text=NATIVE_NAMES[language], callback_data=PickLanguage(language=language))
    return builder.as_markup()
