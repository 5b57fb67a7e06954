"""/language: the person picks Finnish, Swedish or English with a button."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.settings import LANGUAGES
from handlers.routing import command
from notify.commands import publish_person_commands
from storage.people import Person
from storage.roles import Access
from views.callbacks import Menu, MenuItem, PickLanguage
from views.menu import menu_keyboard

router = Router(name="language")

NATIVE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for language in LANGUAGES:
        builder.button(text=NATIVE_NAMES[language], callback_data=PickLanguage(language=language))
    return builder.as_markup()


@router.message(command("language"))
async def language_command(message: Message) -> None:
    await message.answer(_("Valitse kieli."), reply_markup=language_keyboard())


@router.callback_query(MenuItem.filter(F.item == Menu.LANGUAGE))
async def language_button(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(_("Valitse kieli."), reply_markup=language_keyboard())


@router.callback_query(PickLanguage.filter())
async def pick_language(
    query: CallbackQuery,
    callback_data: PickLanguage,
    person: Person | None,
    access: Access,
    i18n: I18n,
    bot: Bot,
) -> None:
    if person is None or callback_data.language not in LANGUAGES:
        await query.answer(_("Tämä nappi ei ole enää käytössä."), show_alert=True)
        return
    person.language = callback_data.language
    with i18n.use_locale(callback_data.language):
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(_("Kieli vaihdettu: suomi."))
            await query.message.answer(_("Mitä haluat tehdä?"), reply_markup=menu_keyboard(access))
        await publish_person_commands(
            bot, i18n, query.from_user.id, access, callback_data.language
        )
