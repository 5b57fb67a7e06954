"""Writing an announcement: the text (or a file with a caption), the tables, who gets it."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.announcements.form import (
    Announce,
    ChosenTables,
    ask_who,
    led_tables,
    show_preview,
)
from handlers.routing import Refused, command_or_menu, message_of
from storage.announcements import ANNOUNCEMENT_MAX, FILE_MAX_BYTES, file_allowed
from storage.outbox import OutboxKind
from storage.people import Person
from storage.roles import Access
from views.announcements import (
    ALL_TABLES,
    CHOOSE_TABLES,
    EMPTY,
    FILE_NOT_ALLOWED,
    FILE_TOO_BIG,
    NOT_AN_AUTHOR,
    NOT_SENDABLE,
    WHO,
    WRITE,
    AnnStep,
    AnnTable,
    Step,
    cancel_keyboard,
    tables_keyboard,
    too_long,
)
from views.callbacks import Menu
from views.common import NOT_ALLOWED
from views.text import plain_text, visible_length


async def start(
    message: Message, access: Access, session: AsyncSession, state: FSMContext
) -> None:
    if not await led_tables(session, access):
        await message.answer(str(NOT_AN_AUTHOR))
        return
    await state.clear()
    await state.set_state(Announce.text)
    await message.answer(str(WRITE), reply_markup=cancel_keyboard())


def _attachment(message: Message) -> dict[str, Any] | None:
    """The photo or document sent with the announcement, as the form keeps it."""
    if message.photo:
        photo = message.photo[-1]
        return {
            "kind": OutboxKind.PHOTO.value,
            "telegram_id": photo.file_id,
            "name": "kuva.jpg",
            "mime": "image/jpeg",
            "size": photo.file_size or 0,
        }
    if message.document:
        document = message.document
        return {
            "kind": OutboxKind.DOCUMENT.value,
            "telegram_id": document.file_id,
            "name": document.file_name or "liite",
            "mime": document.mime_type,
            "size": document.file_size or 0,
        }
    return None


async def text_written(
    message: Message, state: FSMContext, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    document = message.document
    if document and not file_allowed(document.file_name, document.mime_type):
        await message.answer(str(FILE_NOT_ALLOWED))
        return
    file = _attachment(message)
    if file is None and not message.text:
        await message.answer(str(NOT_SENDABLE))
        return
    if file is not None and file["size"] > FILE_MAX_BYTES:
        await message.answer(str(FILE_TOO_BIG))
        return
    body = (message.html_text if (message.text or message.caption) else "").strip()
    if not plain_text(body).strip():
        await message.answer(str(EMPTY))
        return
    if visible_length(body) > ANNOUNCEMENT_MAX:
        await message.answer(too_long(ANNOUNCEMENT_MAX))
        return
    await state.update_data(html=body, file=file)
    tables = await led_tables(session, access)
    if len(tables) == 1:
        await state.update_data(tables=[tables[0].id])
        await ask_who(message, state)
        return
    await state.update_data(tables=[])
    await state.set_state(Announce.tables)
    await message.answer(
        str(CHOOSE_TABLES), reply_markup=tables_keyboard(tables, set(), i18n.current_locale)
    )


async def table_toggled(
    query: CallbackQuery,
    callback_data: AnnTable,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    message = message_of(query)
    tables = await led_tables(session, access)
    allowed = {t.id for t in tables}
    if callback_data.table_id != ALL_TABLES and callback_data.table_id not in allowed:
        raise Refused(NOT_ALLOWED)
    chosen = set((await state.get_data()).get("tables", [])) & allowed
    if callback_data.table_id == ALL_TABLES:
        chosen = set() if allowed <= chosen else set(allowed)
    else:
        chosen ^= {callback_data.table_id}
    await state.update_data(tables=sorted(chosen))
    await query.answer()
    await message.edit_reply_markup(
        reply_markup=tables_keyboard(tables, chosen, i18n.current_locale)
    )


async def tables_done(query: CallbackQuery, state: FSMContext) -> None:
    message = message_of(query)
    await query.answer()
    await ask_who(message, state)


async def who_chosen(
    query: CallbackQuery,
    callback_data: AnnStep,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
    i18n: I18n,
) -> None:
    message = message_of(query)
    await state.update_data(audience=WHO[callback_data.step].value, pin=False, ack=False)
    await state.set_state(Announce.options)
    await query.answer()
    await show_preview(message, state, session, settings, clock, person, i18n)


def create_router() -> Router:
    router = Router(name="announcements.compose")
    router.message.filter(F.chat.type == "private")
    command_or_menu(router, "announce", Menu.ANNOUNCE)(start)
    router.message.register(text_written, StateFilter(Announce.text))
    router.callback_query.register(table_toggled, StateFilter(Announce.tables), AnnTable.filter())
    router.callback_query.register(
        tables_done,
        StateFilter(Announce.tables),
        AnnStep.filter(F.step == Step.TABLES_DONE),
        ChosenTables(),
    )
    router.callback_query.register(
        who_chosen,
        StateFilter(Announce.who),
        AnnStep.filter(F.step.in_(set(WHO))),
        ChosenTables(),
    )
    return router
