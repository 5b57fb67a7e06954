"""Who is at my table (/members) and who am I here (/me)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import command_or_menu
from storage.people import Person, current_memberships, table_roster, tables_in_order
from storage.roles import Access
from views.callbacks import Menu
from views.members import about_me, rosters
from views.mydata import erase_member_tables_keyboard, mydata_keyboard


def create_router() -> Router:
    router = Router(name="members")
    command_or_menu(router, "members", Menu.MEMBERS)(show_members)
    command_or_menu(router, "me", Menu.ME)(show_me)
    return router


async def show_members(
    message: Message,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    today = clock.today(settings.zone)
    tables = [
        (table, await table_roster(session, table.id, today))
        for table in await tables_in_order(session)
        if access.belongs_to(table.id)
    ]
    parts = rosters(tables, i18n.current_locale)
    private = message.chat.type == "private"
    coordinated = [table for table, _ in tables if private and access.coordinates(table.id)]
    for part in parts[:-1]:
        await message.answer(part)
    # A coordinator erases a member's data on request from here (handlers/mydata), privately.
    keyboard = (
        erase_member_tables_keyboard(coordinated, i18n.current_locale) if coordinated else None
    )
    await message.answer(parts[-1], reply_markup=keyboard)


async def show_me(
    message: Message,
    person: Person | None,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    if person is None:
        return
    memberships = await current_memberships(session, person.id, clock.today(settings.zone))
    await message.answer(
        about_me(person, memberships, i18n.current_locale), reply_markup=mydata_keyboard()
    )
