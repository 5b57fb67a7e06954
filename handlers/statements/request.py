"""A new request for a statement: a form of one question a step, then the table is told."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import Refused
from handlers.statements.common import ANSWER, StatementForm, reply_privately, text_of
from notify.statements import tell_request
from notify.table import open_topic
from storage.people import Person, Table
from storage.roles import Access
from storage.statements import (
    SUBJECT_MAX,
    attach,
    create_statement,
    due_is_valid,
    parse_local_moment,
)
from views.common import NOT_ALLOWED
from views.statements import (
    ASK_BACKGROUND,
    ASK_CASE_NUMBER,
    ASK_CITY_DUE,
    ASK_INTERNAL_DUE,
    ASK_REQUESTER,
    ASK_SUBJECT,
    DAY_PASSED,
    INTERNAL_AFTER_CITY,
    REQUEST_MADE,
    SUBJECT_TOO_LONG,
    UNREADABLE_DAY,
    NewStatement,
    background_file_taken,
    cancel_markup,
)


def create_router() -> Router:
    router = Router(name="statements.request")
    router.callback_query.register(new_statement, NewStatement.filter())
    router.message.register(got_subject, StatementForm.subject, ANSWER)
    router.message.register(got_requester, StatementForm.requester, ANSWER)
    router.message.register(got_case_number, StatementForm.case_number, ANSWER)
    router.message.register(got_background_file, StatementForm.background, F.document)
    router.message.register(got_background, StatementForm.background, ANSWER)
    router.message.register(got_city_due, StatementForm.city_due, ANSWER)
    router.message.register(got_internal_due, StatementForm.internal_due, ANSWER)
    return router


async def new_statement(
    query: CallbackQuery, callback_data: NewStatement, access: Access, state: FSMContext
) -> None:
    if not access.leads(callback_data.table_id):
        raise Refused(NOT_ALLOWED)
    await query.answer()
    await state.clear()
    await state.set_state(StatementForm.subject)
    await state.update_data(table_id=callback_data.table_id)
    await reply_privately(query, str(ASK_SUBJECT), cancel_markup())


async def got_subject(message: Message, state: FSMContext) -> None:
    subject = text_of(message)
    if not subject or len(subject) > SUBJECT_MAX:
        await message.answer(str(SUBJECT_TOO_LONG))
        return
    await state.update_data(subject=subject)
    await state.set_state(StatementForm.requester)
    await message.answer(str(ASK_REQUESTER), reply_markup=cancel_markup())


async def got_requester(message: Message, state: FSMContext) -> None:
    requester = text_of(message)[:200]
    if not requester:
        return
    await state.update_data(requester=requester)
    await state.set_state(StatementForm.case_number)
    await message.answer(str(ASK_CASE_NUMBER), reply_markup=cancel_markup())


async def got_case_number(message: Message, state: FSMContext) -> None:
    case = text_of(message)[:80]
    await state.update_data(case_number=None if case in ("", "-") else case)
    await state.set_state(StatementForm.background)
    await message.answer(str(ASK_BACKGROUND), reply_markup=cancel_markup())


async def got_background_file(message: Message, state: FSMContext) -> None:
    document = message.document
    assert document is not None
    data = await state.get_data()
    files = [
        *data.get("files", []),
        [document.file_id, document.file_name or "liite", document.mime_type],
    ]
    await state.update_data(files=files)
    await message.answer(
        background_file_taken(document.file_name or ""), reply_markup=cancel_markup()
    )


async def got_background(message: Message, state: FSMContext) -> None:
    background = text_of(message)
    await state.update_data(background=None if background in ("", "-") else background)
    await state.set_state(StatementForm.city_due)
    await message.answer(str(ASK_CITY_DUE), reply_markup=cancel_markup())


async def _due(message: Message, settings: Settings, clock: Clock) -> datetime | None:
    """The day typed, if it can be read and is still to come; otherwise the person is told."""
    due = parse_local_moment(text_of(message), settings.zone)
    if due is None:
        await message.answer(str(UNREADABLE_DAY))
        return None
    if not due_is_valid(due, clock.now()):
        await message.answer(str(DAY_PASSED))
        return None
    return due


async def got_city_due(
    message: Message, state: FSMContext, settings: Settings, clock: Clock
) -> None:
    due = await _due(message, settings, clock)
    if due is None:
        return
    await state.update_data(city_due_at=due.isoformat())
    await state.set_state(StatementForm.internal_due)
    await message.answer(str(ASK_INTERNAL_DUE), reply_markup=cancel_markup())


async def got_internal_due(
    message: Message,
    state: FSMContext,
    access: Access,
    person: Person,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    due = await _due(message, settings, clock)
    if due is None:
        return
    data = await state.get_data()
    city_due = datetime.fromisoformat(data["city_due_at"])
    if due > city_due:
        await message.answer(str(INTERNAL_AFTER_CITY))
        return
    table = await session.get(Table, data["table_id"])
    if table is None or not access.leads(table.id):
        await state.clear()
        raise Refused(NOT_ALLOWED)
    now = clock.now()
    statement = await create_statement(
        session,
        table_id=table.id,
        subject=data["subject"],
        requester=data["requester"],
        case_number=data["case_number"],
        background=data["background"],
        city_due_at=city_due,
        internal_due_at=due,
        by=person.id,
        now=now,
    )
    await state.clear()
    statement.group_thread_id = await open_topic(bot, table, statement.subject)
    files = [
        await attach(
            session, statement, file_name=name, telegram_file_id=file_id, mime_type=mime, now=now
        )
        for file_id, name, mime in data.get("files", [])
    ]
    await tell_request(
        session,
        bot,
        i18n,
        statement=statement,
        table=table,
        files=files,
        zone=settings.zone,
        now=now,
        today=clock.today(settings.zone),
    )
    await message.answer(str(REQUEST_MADE))
