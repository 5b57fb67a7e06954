"""The /menu buttons: each feature adds its entry here, shown only to people it serves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import MenuItem
from storage.roles import Access, coordinators, everyone, insiders, organizers


@dataclass(frozen=True)
class MenuEntry:
    item: str
    label: LazyProxy
    shown_to: Callable[[Access], bool]


ENTRIES: list[MenuEntry] = [
    # The table's work first, then the person's own settings.
    MenuEntry("meetings", __("📅 Kokoukset"), insiders),
    MenuEntry("statements", __("📝 Lausunnot"), insiders),
    MenuEntry("votes", __("🗳 Äänestykset"), insiders),
    MenuEntry("members", __("👥 Jäsenet"), insiders),
    MenuEntry("announce", __("📢 Tiedote"), organizers),
    MenuEntry("invite", __("✉️ Kutsu jäsen"), coordinators),
    MenuEntry("reminders", __("🔔 Muistutukset"), insiders),
    MenuEntry("me", __("🙂 Omat tiedot"), everyone),
    MenuEntry("language", __("🌐 Kieli"), everyone),
    MenuEntry("help", __("❓ Ohje"), everyone),
]


def menu_keyboard(access: Access) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for entry in ENTRIES:
        if entry.shown_to(access):
            builder.button(text=str(entry.label), callback_data=MenuItem(item=entry.item))
    builder.adjust(2)
    return builder.as_markup()
