"""Making a meeting time poll, step by step with buttons (and typed Finnish dates)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsOrganizer
from handlers.routing import Refused, message_of
from notify.meetings import tell_poll
from storage.meeting_rules import (
    MAX_SLOTS,
    MIN_SLOTS,
    PLACE_LIMIT,
    TITLE_LIMIT,
    MeetingKind,
    Slot,
    TimeProblem,
    check_deadline,
    check_text,
    deadline_options,
    parse_time,
    slot_from_picker,
)
from storage.meetings import create_poll, invitee_ids
from storage.people import Table, tables_in_order
from storage.roles import Access
from views.callbacks import Cancel, Form
from views.common import NOT_ALLOWED, STALE_BUTTON
from views.meetings import new_poll as view
from views.meetings.buttons import JOINT, NewPollButton, NewStep
from views.meetings.texts import (
    NOTHING_SAVED,
    deadline_problem_text,
    text_problem_text,
    time_problem_text,
)


class NewMeeting(StatesGroup):
    title = State()
    kind = State()
    place = State()
    times = State()
    deadline = State()
    confirm = State()


def _slots(data: dict[str, Any]) -> list[Slot]:
    return [
        Slot(datetime.fromisoformat(a), datetime.fromisoformat(b))
        for a, b in data.get("slots", [])
    ]


def _store(slots: list[Slot]) -> list[list[str]]:
    return [
        [s.starts_at.isoformat(), s.ends_at.isoformat()]
        for s in sorted(slots, key=lambda s: s.starts_at)
    ]


def _may_create(access: Access, table_id: int) -> bool:
    return access.is_lead if table_id == JOINT else access.leads(table_id)


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
    if not exists or not _may_create(access, table_id):
        raise Refused(NOT_ALLOWED)
    message = message_of(query)
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await _ask_title(message, state, table_id)


async def cancelled(query: CallbackQuery, state: FSMContext) -> None:
    message = message_of(query)
    await state.clear()
    await query.answer()
    await message.edit_text(str(NOTHING_SAVED))


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
    await _show_times(message, state, settings, clock, i18n)


# ---- candidate times ------------------------------------------------------------------------


async def _show_times(
    message: Message,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    offset: int = 0,
    edit: bool = False,
) -> None:
    slots = _slots(await state.get_data())
    text, keyboard = view.times_view(
        slots, clock.today(settings.zone), offset, settings.zone, i18n.current_locale
    )
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)


async def times_typed(
    message: Message, state: FSMContext, settings: Settings, clock: Clock, i18n: I18n
) -> None:
    lines = [line for line in (message.text or "").splitlines() if line.strip()] or [""]
    slots = _slots(await state.get_data())
    now = clock.now()
    added: list[Slot] = []
    for line in lines:
        parsed = parse_time(line, now=now, zone=settings.zone)
        if isinstance(parsed, TimeProblem):
            await message.answer(time_problem_text(parsed), reply_markup=view.cancel_only())
            return
        if parsed not in slots and parsed not in added:
            added.append(parsed)
    if len(slots) + len(added) > MAX_SLOTS:
        await message.answer(
            view.too_many_times(len(slots) + len(added)), reply_markup=view.cancel_only()
        )
        return
    await state.update_data(slots=_store(slots + added))
    await _show_times(message, state, settings, clock, i18n)


async def days_page(
    query: CallbackQuery,
    callback_data: NewPollButton,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    offset = int(callback_data.value) if callback_data.value.isdigit() else 0
    message = message_of(query)
    await query.answer()
    await _show_times(message, state, settings, clock, i18n, offset=min(offset, 365), edit=True)


async def day_chosen(query: CallbackQuery, callback_data: NewPollButton, i18n: I18n) -> None:
    try:
        chosen = date.fromisoformat(callback_data.value)
    except ValueError:
        raise Refused(STALE_BUTTON) from None
    message = message_of(query)
    await query.answer()
    text, keyboard = view.choose_hour(chosen, i18n.current_locale)
    await message.edit_text(text, reply_markup=keyboard)


async def hour_chosen(
    query: CallbackQuery,
    callback_data: NewPollButton,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    try:
        chosen = datetime.fromisoformat(callback_data.value + ":00")
    except ValueError:
        raise Refused(STALE_BUTTON) from None
    slot = slot_from_picker(chosen.date(), chosen.hour, 0, now=clock.now(), zone=settings.zone)
    if isinstance(slot, TimeProblem):
        raise Refused(time_problem_text(slot))
    slots = _slots(await state.get_data())
    if slot in slots:
        raise Refused(_("Tämä aika on jo listalla."))
    if len(slots) >= MAX_SLOTS:
        raise Refused(_("Voit lisätä enintään 20 aikaa."))
    message = message_of(query)
    await state.update_data(slots=_store([*slots, slot]))
    await query.answer(_("Aika lisätty."))
    await _show_times(message, state, settings, clock, i18n, edit=True)


async def times_done(
    query: CallbackQuery, state: FSMContext, settings: Settings, clock: Clock, i18n: I18n
) -> None:
    slots = _slots(await state.get_data())
    if len(slots) < MIN_SLOTS:
        raise Refused(_("Lisää vähintään kaksi aikaa."))
    message = message_of(query)
    await query.answer()
    await state.set_state(NewMeeting.deadline)
    await message.edit_reply_markup(reply_markup=None)
    options = deadline_options(
        clock.today(settings.zone),
        now=clock.now(),
        zone=settings.zone,
        first_start=min(s.starts_at for s in slots),
    )
    text, keyboard = view.choose_deadline(options, settings.zone, i18n.current_locale)
    await message.answer(text, reply_markup=keyboard)


# ---- the deadline, the summary, sending -----------------------------------------------------


async def _deadline_chosen(
    message: Message,
    deadline: datetime,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> str | None:
    """Show the summary; or the problem with the deadline, to show instead."""
    data = await state.get_data()
    slots = _slots(data)
    problem = check_deadline(
        deadline, now=clock.now(), first_start=min(s.starts_at for s in slots)
    )
    if problem is not None:
        return deadline_problem_text(problem)
    await state.update_data(deadline=deadline.isoformat())
    await state.set_state(NewMeeting.confirm)
    text, keyboard = view.summary(
        title=data["title"],
        kind=MeetingKind(data["kind"]),
        place=data["place"],
        deadline=deadline,
        slots=slots,
        zone=settings.zone,
        language=i18n.current_locale,
    )
    await message.answer(text, reply_markup=keyboard)
    return None


async def deadline_typed(
    message: Message, state: FSMContext, settings: Settings, clock: Clock, i18n: I18n
) -> None:
    parsed = parse_time(message.text or "", now=clock.now(), zone=settings.zone)
    if isinstance(parsed, TimeProblem):
        await message.answer(time_problem_text(parsed), reply_markup=view.cancel_only())
        return
    problem = await _deadline_chosen(message, parsed.starts_at, state, settings, clock, i18n)
    if problem is not None:
        await message.answer(problem, reply_markup=view.cancel_only())


async def deadline_pressed(
    query: CallbackQuery,
    callback_data: NewPollButton,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    try:
        deadline = datetime.strptime(callback_data.value + "+0000", "%Y%m%dT%H%M%z")
    except ValueError:
        raise Refused(STALE_BUTTON) from None
    problem = await _deadline_chosen(message_of(query), deadline, state, settings, clock, i18n)
    await query.answer(problem or None, show_alert=problem is not None)


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
    if not _may_create(access, table_id) or access.person_id is None:
        await state.clear()
        raise Refused(NOT_ALLOWED)
    now = clock.now()
    slots = _slots(data)
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
    press(cancelled, Cancel.filter(F.form == Form.MEETING))
    typed(title_typed, StateFilter(NewMeeting.title))
    press(kind_chosen, StateFilter(NewMeeting.kind), step(NewStep.KIND))
    typed(place_typed, StateFilter(NewMeeting.place))
    typed(times_typed, StateFilter(NewMeeting.times))
    press(days_page, StateFilter(NewMeeting.times), step(NewStep.DAYS))
    press(day_chosen, StateFilter(NewMeeting.times), step(NewStep.DAY))
    press(hour_chosen, StateFilter(NewMeeting.times), step(NewStep.HOUR))
    press(times_done, StateFilter(NewMeeting.times), step(NewStep.TIMES_DONE))
    typed(deadline_typed, StateFilter(NewMeeting.deadline))
    press(deadline_pressed, StateFilter(NewMeeting.deadline), step(NewStep.DEADLINE))
    press(send_poll, StateFilter(NewMeeting.confirm), step(NewStep.SEND))
    return router
