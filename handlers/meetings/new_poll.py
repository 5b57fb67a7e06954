"""Making a meeting time poll: the table, title, kind and place, then (after the times and the
deadline, see poll_times) sending it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsOrganizer
from handlers.meetings.forms import NewMeeting, form_cancelled, form_slots, may_create
from handlers.meetings.poll_times import show_times
from handlers.routing import Refused, message_of
from notify.meetings import tell_poll
from storage.meeting_rules import PLACE_LIMIT, TITLE_LIMIT, MeetingKind, check_deadline, check_text
from storage.meetings import create_poll, invitee_ids
from storage.people import Table, tables_in_order
from storage.roles import Access
from views.callbacks import Cancel, Form
from views.common import NOT_ALLOWED, STALE_BUTTON
from views.meetings import new_poll as view
from views.meetings.buttons import JOINT, NewPollButton, NewStep
from views.meetings.texts import deadline_problem_text, text_problem_text

# ---- start: the table, then the title -------------------------------------------------------


async def start_pressed(
    query: CallbackQuery, access: Access, session: AsyncSession, state: FSMContext, i18n: I18n
) -> None:
    """Ask for the table (if more than one), then the title."""
    message = message_of(query)
    await query.answer()
    await state.clear()
    tables = [t for t in await tables_in_order(session) if access.leads(t.id)]
    if len(tables) == 1 and not access.is_lead:
        await _ask_title(message, state, tables[0].id)
        return
    text, keyboard = view.choose_table(tables, joint=access.is_lead, language=i18n.current_locale)
    await message.answer(text, reply_markup=keyboard)


async def _ask_title(message: Message, state: FSMContext, table_id: int) -> None:
    await state.set_state(NewMeeting.title)
    await state.update_data(table_id=table_id, slots=[])
    await message.answer(view.ask_title(), reply_markup=view.cancel_only())


async def table_chosen(
    query: CallbackQuery,
    callback_data: NewPollButton,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    table_id = int(callback_data.value) if callback_data.value.isdigit() else -1
    exists = table_id == JOINT or await session.get(Table, table_id) is not None
    if not exists or not may_create(access, table_id):
        raise Refused(NOT_ALLOWED)
    message = message_of(query)
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await _ask_title(message, state, table_id)


# ---- title, kind, place ---------------------------------------------------------------------


async def title_typed(message: Message, state: FSMContext) -> None:
    problem = check_text(message.text, TITLE_LIMIT)
    if problem is not None:
        await message.answer(
            text_problem_text(problem, TITLE_LIMIT, what="title"), reply_markup=view.cancel_only()
        )
        return
    assert message.text is not None
    await state.update_data(title=message.text.strip())
    if (await state.get_data())["table_id"] == JOINT:
        await state.update_data(kind=MeetingKind.CHAIRS.value)
        await _ask_place(message, state)
        return
    await state.set_state(NewMeeting.kind)
    text, keyboard = view.choose_kind()
    await message.answer(text, reply_markup=keyboard)


async def kind_chosen(
    query: CallbackQuery, callback_data: NewPollButton, state: FSMContext
) -> None:
    if callback_data.value not in {k.value for k in view.CHOOSABLE_KINDS}:
        raise Refused(STALE_BUTTON)
    message = message_of(query)
    await query.answer()
    await state.update_data(kind=callback_data.value)
    await message.edit_reply_markup(reply_markup=None)
    await _ask_place(message, state)


async def _ask_place(message: Message, state: FSMContext) -> None:
    await state.set_state(NewMeeting.place)
    await message.answer(view.ask_place(), reply_markup=view.cancel_only())


async def place_typed(
    message: Message, state: FSMContext, settings: Settings, clock: Clock, i18n: I18n
) -> None:
    problem = check_text(message.text, PLACE_LIMIT)
    if problem is not None:
        await message.answer(
            text_problem_text(problem, PLACE_LIMIT, what="place"), reply_markup=view.cancel_only()
        )
        return
    assert message.text is not None
    await state.update_data(place=message.text.strip())
    await state.set_state(NewMeeting.times)
    await show_times(message, state, settings, clock, i18n)


# ---- sending --------------------------------------------------------------------------------


async def send_poll(
    query: CallbackQuery,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    data = await state.get_data()
    table_id = int(data["table_id"])
    if not may_create(access, table_id) or access.person_id is None:
        await state.clear()
        raise Refused(NOT_ALLOWED)
    now = clock.now()
    slots = form_slots(data)
    deadline = datetime.fromisoformat(data["deadline"])
    problem = check_deadline(deadline, now=now, first_start=min(s.starts_at for s in slots))
    if problem is not None:
        raise Refused(deadline_problem_text(problem))
    message = message_of(query)
    table = None if table_id == JOINT else await session.get(Table, table_id)
    table_or_joint = table.id if table else None
    meeting = await create_poll(
        session,
        table_id=table_or_joint,
        kind=MeetingKind(data["kind"]),
        title=data["title"],
        place=data["place"],
        slots=slots,
        deadline=deadline,
        invitees=await invitee_ids(session, table_or_joint, clock.today(settings.zone)),
        created_by=access.person_id,
        now=now,
    )
    await state.clear()
    told = await tell_poll(session, i18n, settings, meeting, now)
    await query.answer()
    in_group = table is not None and table.group_chat_id in told.rows
    people = told.messages - (1 if in_group else 0)
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(view.poll_sent(people, in_group=in_group))


def create_router() -> Router:
    router = Router(name="meetings.new_poll")
    router.message.filter(F.chat.type == "private", IsOrganizer())
    router.callback_query.filter(IsOrganizer())
    press, typed = router.callback_query.register, router.message.register

    def step(name: NewStep) -> Any:
        return NewPollButton.filter(F.step == name)

    press(start_pressed, step(NewStep.START))
    press(table_chosen, step(NewStep.TABLE))
    press(form_cancelled, Cancel.filter(F.form == Form.MEETING))
    typed(title_typed, StateFilter(NewMeeting.title))
    press(kind_chosen, StateFilter(NewMeeting.kind), step(NewStep.KIND))
    typed(place_typed, StateFilter(NewMeeting.place))
    press(send_poll, StateFilter(NewMeeting.confirm), step(NewStep.SEND))
    return router
