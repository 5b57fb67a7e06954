"""The announcement being written: its steps, the author's right to its tables, the preview."""

from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import Refused
from notify.announcements import reach_of
from storage.announcements import Audience
from storage.people import Person, Table, tables_in_order
from storage.roles import Access
from views.announcements import (
    CHOOSE_WHO,
    PART_LIMIT,
    PICK_A_TABLE,
    announcement_text,
    options_keyboard,
    preview_question,
    who_keyboard,
)
from views.common import NOT_ALLOWED
from views.text import split_text


class Announce(StatesGroup):
    text = State()
    tables = State()
    who = State()
    options = State()
    when = State()


async def led_tables(session: AsyncSession, access: Access) -> list[Table]:
    """The tables this person may announce to: those they coordinate or chair."""
    return [t for t in await tables_in_order(session) if access.leads(t.id)]


async def tables_of(session: AsyncSession, ids: list[int]) -> list[Table]:
    return [t for t in await tables_in_order(session) if t.id in ids]


class ChosenTables(BaseFilter):
    """The tables chosen for the announcement being written, if the author still leads each."""

    async def __call__(
        self, event: TelegramObject, state: FSMContext, access: Access
    ) -> dict[str, Any]:
        chosen: list[int] = (await state.get_data()).get("tables") or []
        if not chosen:
            raise Refused(PICK_A_TABLE)
        if not all(access.leads(t) for t in chosen):
            raise Refused(NOT_ALLOWED)
        return {"table_ids": chosen}


async def ask_who(message: Message, state: FSMContext) -> None:
    await state.set_state(Announce.who)
    await message.answer(str(CHOOSE_WHO), reply_markup=who_keyboard())


async def show_preview(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
    i18n: I18n,
) -> None:
    """The announcement as the author's own copy, then who gets it and the question to send."""
    data = await state.get_data()
    tables = await tables_of(session, data["tables"])
    author = person.full_name if person else None
    text = announcement_text(tables, i18n.current_locale, data["html"], author)
    for part in split_text(text, PART_LIMIT):
        await message.answer(part)
    audience = Audience(data["audience"])
    to = await reach_of(
        session,
        tables=tables,
        audience=audience,
        today=clock.today(settings.zone),
        default_language=i18n.default_locale,
        exclude=person.id if person else None,
    )
    await message.answer(
        preview_question(len(to.people), len(to.groups), to.by_email, to.unreachable),
        reply_markup=options_keyboard(audience, bool(data.get("pin")), bool(data.get("ack"))),
    )
