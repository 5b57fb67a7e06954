"""/omattiedot (/mydata): a person's data as files; erasure by the person or their coordinator."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsKnown
from handlers.mydata.access import ErasableMember, erasable_people
from handlers.routing import Refused, command_or_menu, message_of
from notify.commands import publish_person_commands
from storage.audit import record
from storage.people import Person, Table
from storage.personal import erase_person, export_person
from storage.roles import NOBODY, Access
from views.callbacks import Menu
from views.common import STALE_BUTTON
from views.mydata import (
    ALREADY_ERASED,
    ERASE_ASK,
    ERASE_OFFER,
    ERASED_SELF,
    EXPORT_CAPTION,
    JSON_CAPTION,
    MEMBER_ERASED,
    NO_ONE_TO_ERASE,
    NOT_ERASED,
    PICK_MEMBER,
    PRIVATE_ONLY,
    EraseMember,
    EraseMine,
    Erasure,
    erase_confirm_keyboard,
    erase_member_keyboard,
    erase_member_question,
    erase_offer_keyboard,
    export_json,
    export_text,
    file_stem,
    pick_member_keyboard,
)


def create_router() -> Router:
    router = Router(name="mydata")
    command_or_menu(router, "mydata", Menu.MYDATA)(send_my_data)
    mine = router.callback_query
    mine.register(ask_erase_mine, EraseMine.filter(F.step == Erasure.ASK), IsKnown())
    mine.register(erase_mine, EraseMine.filter(F.step == Erasure.CONFIRM), IsKnown())
    mine.register(keep_data, EraseMine.filter(F.step == Erasure.CANCEL))
    mine.register(pick_member, EraseMember.filter(F.step == Erasure.ASK), ErasableMember())
    mine.register(erase_member, EraseMember.filter(F.step == Erasure.CONFIRM), ErasableMember())
    mine.register(keep_member_data, EraseMember.filter(F.step == Erasure.CANCEL))
    return router


async def send_my_data(
    message: Message,
    person: Person | None,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    # Never into a group: the files are the person's own.
    if message.chat.type != "private" or person is None:
        raise Refused(PRIVATE_ONLY)
    now = clock.now()
    data = await export_person(session, person)
    await record(
        session, actor_id=person.id, action="person.export", subject=f"person:{person.id}", at=now
    )
    stem = file_stem()
    text = export_text(data, now, settings.zone, i18n.current_locale)
    await message.answer_document(
        BufferedInputFile(text, filename=f"{stem}.txt"), caption=str(EXPORT_CAPTION)
    )
    await message.answer_document(
        BufferedInputFile(export_json(data, now), filename=f"{stem}.json"),
        caption=str(JSON_CAPTION),
    )
    await message.answer(str(ERASE_OFFER), reply_markup=erase_offer_keyboard())


async def ask_erase_mine(query: CallbackQuery) -> None:
    message = message_of(query)
    await query.answer()
    await message.answer(str(ERASE_ASK), reply_markup=erase_confirm_keyboard())


async def erase_mine(
    query: CallbackQuery,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    bot: Bot,
    i18n: I18n,
) -> None:
    message = message_of(query)
    telegram_id = person.telegram_id
    if not await erase_person(session, person, now=clock.now(), actor_id=person.id):
        raise Refused(ALREADY_ERASED)
    await state.clear()
    await query.answer()
    await message.edit_text(str(ERASED_SELF))
    if telegram_id is not None:
        await publish_person_commands(bot, i18n, telegram_id, NOBODY, i18n.current_locale)


async def keep_data(query: CallbackQuery) -> None:
    message = message_of(query)
    await query.answer()
    await message.edit_text(str(NOT_ERASED))


async def keep_member_data(query: CallbackQuery) -> None:
    await keep_data(query)


async def pick_member(
    query: CallbackQuery,
    table: Table,
    member: Person | None,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    access: Access,
) -> None:
    """`table` (and `member`) come from `ErasableMember`."""
    message = message_of(query)
    await query.answer()
    if member is not None:
        await message.edit_text(
            erase_member_question(member), reply_markup=erase_member_keyboard(table.id, member.id)
        )
        return
    people = await erasable_people(session, table, settings, clock, access)
    if not people:
        await message.answer(str(NO_ONE_TO_ERASE))
        return
    await message.answer(str(PICK_MEMBER), reply_markup=pick_member_keyboard(table.id, people))


async def erase_member(
    query: CallbackQuery,
    table: Table,
    member: Person | None,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    bot: Bot,
    fsm_storage: BaseStorage,
) -> None:
    message = message_of(query)
    if member is None:
        raise Refused(STALE_BUTTON)
    telegram_id = member.telegram_id
    if not await erase_person(session, member, now=clock.now(), actor_id=person.id):
        raise Refused(ALREADY_ERASED)
    if telegram_id is not None:
        # A form the member had open is forgotten with them.
        key = StorageKey(bot_id=bot.id, chat_id=telegram_id, user_id=telegram_id)
        await fsm_storage.set_state(key, None)
        await fsm_storage.set_data(key, {})
    await query.answer()
    await message.edit_text(str(MEMBER_ERASED))
