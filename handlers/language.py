"""/language: the person picks Finnish, Swedish or English with a button."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from handlers.routing import Refused, command_or_menu, message_of
from notify.commands import publish_person_commands
from storage.people import Person
from storage.roles import Access
from views.callbacks import Menu
from views.common import STALE_BUTTON
from views.language import CHOOSE_LANGUAGE, LANGUAGE_CHANGED, PickLanguage, language_keyboard
from views.menu import MENU_QUESTION, menu_keyboard


def create_router() -> Router:
    router = Router(name="language")
    command_or_menu(router, "language", Menu.LANGUAGE)(offer_languages)
    router.callback_query.register(pick_language, PickLanguage.filter())
    return router


async def offer_languages(message: Message) -> None:
    await message.answer(str(CHOOSE_LANGUAGE), reply_markup=language_keyboard())


async def pick_language(
    query: CallbackQuery,
    callback_data: PickLanguage,
    person: Person | None,
    access: Access,
    i18n: I18n,
    bot: Bot,
) -> None:
    message = message_of(query)
    if person is None:
        raise Refused(STALE_BUTTON)
    language = callback_data.language.value
    person.language = language
    with i18n.use_locale(language):
        await query.answer()
        await message.edit_text(str(LANGUAGE_CHANGED))
        await message.answer(str(MENU_QUESTION), reply_markup=menu_keyboard(access))
        await publish_person_commands(bot, i18n, query.from_user.id, access, language)
