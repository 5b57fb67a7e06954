"""The /menu buttons: each feature adds its entry here, shown only to people it serves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.roles import Access, coordinators, everyone, insiders, organizers
from views.callbacks import Menu, MenuItem

MENU_QUESTION = __("Mitä haluat tehdä?")


@dataclass(frozen=True)
class MenuEntry:
    item: Menu
    label: LazyProxy
    shown_to: Callable[[Access], bool]


ENTRIES: list[MenuEntry] = [
    # The table's work first, then the person's own settings.
    MenuEntry(Menu.MEETINGS, __("📅 Kokoukset"), insiders),
    MenuEntry(Menu.STATEMENTS, __("📝 Lausunnot"), insiders),
    MenuEntry(Menu.VOTES, __("🗳 Äänestykset"), insiders),
    MenuEntry(Menu.MEMBERS, __("👥 Jäsenet"), insiders),
    MenuEntry(Menu.ANNOUNCE, __("📢 Tiedote"), organizers),
    MenuEntry(Menu.INVITE, __("✉️ Kutsu jäsen"), coordinators),
    MenuEntry(Menu.REMINDERS, __("🔔 Muistutukset"), insiders),
    MenuEntry(Menu.ME, __("🙂 Omat tiedot"), everyone),
    MenuEntry(Menu.LANGUAGE, __("🌐 Kieli"), everyone),
    MenuEntry(Menu.HELP, __("❓ Ohje"), everyone),
]


def menu_keyboard(access: Access) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for entry in ENTRIES:
        if entry.shown_to(access):
            builder.button(text=str(entry.label), callback_data=MenuItem(item=entry.item))
    builder.adjust(2)
    return builder.as_markup()
