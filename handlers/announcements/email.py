"""/email (/sahkoposti): announcements and invitations by Telegram, e-mail, or both."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from handlers.filters import IsMember
from handlers.routing import Refused, command_or_menu, message_of
from storage.announcements import Channel, preferences, set_preference
from storage.people import Person
from views.announcements import (
    BAD_ADDRESS,
    WRITE_ADDRESS,
    EmailChoice,
    EmailOption,
    address_saved,
    channel_saved,
    email_choice_text,
    email_keyboard,
)
from views.common import STALE_BUTTON

EMAIL_RE = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]+\.[^@\s<>]{2,}$")


class EmailAddress(StatesGroup):
    address = State()


async def email_settings(message: Message, person: Person | None, session: AsyncSession) -> None:
    if person is None:
        return
    current = (await preferences(session, [person.id])).get(person.id, Channel.TELEGRAM)
    await message.answer(
        email_choice_text(current, person.email), reply_markup=email_keyboard(current)
    )


async def email_chosen(
    query: CallbackQuery,
    callback_data: EmailChoice,
    person: Person | None,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    if person is None:
        raise Refused(STALE_BUTTON)
    message = message_of(query)
    await query.answer()
    option = callback_data.channel
    if option is EmailOption.ADDRESS or (option is not EmailOption.TELEGRAM and not person.email):
        # A channel with e-mail needs an address first; it is saved once the address is.
        await state.set_state(EmailAddress.address)
        await state.update_data(channel=None if option is EmailOption.ADDRESS else option.value)
        await message.answer(str(WRITE_ADDRESS))
        return
    channel = Channel(option.value)
    await set_preference(session, person.id, channel, clock.now())
    await message.edit_text(channel_saved(channel))


async def email_written(
    message: Message, state: FSMContext, person: Person | None, session: AsyncSession, clock: Clock
) -> None:
    address = (message.text or "").strip()
    if person is None:
        await state.clear()
        return
    if len(address) > 254 or not EMAIL_RE.match(address):
        await message.answer(str(BAD_ADDRESS))
        return
    channel_word = (await state.get_data()).get("channel")
    person.email = address
    await state.clear()
    if channel_word:
        channel = Channel(channel_word)
        await set_preference(session, person.id, channel, clock.now())
        await message.answer(channel_saved(channel, address))
        return
    await message.answer(address_saved(address))


def create_router() -> Router:
    router = Router(name="announcements.email")
    # Announcements go to the tables' people: nobody else's address is asked for or kept.
    router.message.filter(F.chat.type == "private", IsMember())
    router.callback_query.filter(IsMember())
    command_or_menu(router, "email")(email_settings)
    router.callback_query.register(email_chosen, EmailChoice.filter())
    router.message.register(email_written, StateFilter(EmailAddress.address))
    return router
