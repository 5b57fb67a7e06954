"""Gettext for every reply: catalogs are read straight from the .po files, no build step."""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from storage.people import Person
from views.language import language_from_telegram, reader_language

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


class PoCatalogI18n(I18n):
    """aiogram's I18n, but compiling `locales/<lang>/LC_MESSAGES/messages.po` in memory."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's gettext looks up I18n's own context slot; a subclass would get its own.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for po_path in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            language = po_path.parent.parent.name
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=language)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            translations[language] = gettext.GNUTranslations(buffer)
        return translations


def create_i18n(default_language: str) -> PoCatalogI18n:
    return PoCatalogI18n(path=LOCALES, default_locale=default_language, domain=DOMAIN)


class PersonLanguageMiddleware(I18nMiddleware):
    """The person's chosen language, else Telegram's, else the default."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        person: Person | None = data.get("person")
        if person is not None:
            # PersonMiddleware has just stored this update's Telegram language on the person.
            return reader_language(person, self.i18n.default_locale)
        user: User | None = data.get("event_from_user")
        return language_from_telegram(
            user.language_code if user else None, self.i18n.default_locale
        )
