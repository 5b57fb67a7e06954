"""The /menu buttons: each feature adds its entry here, shown only to people it serves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import MenuItem
from storage.roles import Access


@dataclass(frozen=True)
class MenuEntry:
    item: str
    label: LazyProxy
    shown_to: Callable[[Access], bool]


def _anyone(access: Access) -> bool:
    return True


def _insider(access: Access) -> bool:
    return access.is_member or access.is_coordinator


def _coordinator(access: Access) -> bool:
    return access.is_coordinator


def _organizer(access: Access) -> bool:
    return access.is_coordinator or access.is_chair


ENTRIES: list[MenuEntry] = [
    # The table's work first, then the person's own settings.
    MenuEntry("meetings", __("📅 Kokoukset"), _insider),
    MenuEntry("statements", __("📝 Lausunnot"), _insider),
    MenuEntry("votes", __("🗳 Äänestykset"), _insider),
    MenuEntry("members", __("👥 Jäsenet"), _insider),
    MenuEntry("announce", __("📢 Tiedote"), _organizer),
    MenuEntry("invite", __("✉️ Kutsu jäsen"), _coordinator),
    MenuEntry("reminders", __("🔔 Muistutukset"), _insider),
    MenuEntry("me", __("🙂 Omat tiedot"), _anyone),
    MenuEntry("language", __("🌐 Kieli"), _anyone),
    MenuEntry("help", __("❓ Ohje"), _anyone),
]


def menu_keyboard(access: Access) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for entry in ENTRIES:
        if entry.shown_to(access):
            builder.button(text=str(entry.label), callback_data=MenuItem(item=entry.item))
    builder.adjust(2)
    return builder.as_markup()
