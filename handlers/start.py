"""First contact: /start with or without an invite, /help and /menu."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import command, command_or_menu
from notify.commands import publish_person_commands
from storage.invites import JoinOutcome, use_invite
from storage.people import Person, access_for, tables_in_order
from storage.roles import Access
from views.callbacks import Menu
from views.menu import MENU_QUESTION, menu_keyboard
from views.start import JOIN_REFUSALS, greeting, help_text, welcome


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    router.message.register(join_with_invite, CommandStart(deep_link=True))
    router.message.register(greet, CommandStart())
    router.message.register(show_menu, command("menu"))
    command_or_menu(router, "help", Menu.HELP)(show_help)
    return router


async def join_with_invite(
    message: Message,
    command: CommandObject,
    person: Person | None,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    if person is None:
        return
    result = await use_invite(
        session,
        token=command.args or "",
        person=person,
        now=clock.now(),
        term_ends_on=settings.term_ends_on,
    )
    if result.outcome is not JoinOutcome.JOINED:
        await message.answer(str(JOIN_REFUSALS[result.outcome]))
        return
    assert result.invite is not None
    access = await access_for(session, person, clock.today(settings.zone))
    language = i18n.current_locale
    await message.answer(
        welcome(person.first_name, result.invite.table.name(language), result.invite.role),
        reply_markup=menu_keyboard(access),
    )
    await publish_person_commands(bot, i18n, message.chat.id, access, language)


async def greet(
    message: Message, person: Person | None, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    tables = None
    if access.is_resident:
        tables = [t.name(i18n.current_locale) for t in await tables_in_order(session)]
    await message.answer(
        greeting(person.first_name if person else None, tables), reply_markup=menu_keyboard(access)
    )


async def show_menu(message: Message, access: Access) -> None:
    await message.answer(str(MENU_QUESTION), reply_markup=menu_keyboard(access))


async def show_help(message: Message, access: Access, i18n: I18n) -> None:
    await message.answer(help_text(access, i18n.current_locale))
