"""Whose language a text is rendered in: the person's choice, else Telegram's, else the default."""

from __future__ import annotations

from core.settings import LANGUAGES
from storage.people import Person


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
