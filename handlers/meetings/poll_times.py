"""The new poll's candidate times (typed, or picked day and hour) and its answer deadline."""

from __future__ import annotations

from datetime import date, datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsOrganizer
from handlers.meetings.forms import NewMeeting, form_slots, stored_slots
from handlers.routing import Refused, message_of
from storage.meeting_rules import (
    MAX_SLOTS,
    MIN_SLOTS,
    MeetingKind,
    Slot,
    TimeProblem,
    check_deadline,
    deadline_options,
    parse_time,
    slot_from_picker,
)
from views.common import STALE_BUTTON
from views.meetings import new_poll as view
from views.meetings.buttons import NewPollButton, NewStep
from views.meetings.texts import deadline_problem_text, time_problem_text

# ---- candidate times ------------------------------------------------------------------------


async def show_times(
    message: Message,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    offset: int = 0,
    edit: bool = False,
) -> None:
    slots = form_slots(await state.get_data())
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
    slots = form_slots(await state.get_data())
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
    await state.update_data(slots=stored_slots(slots + added))
    await show_times(message, state, settings, clock, i18n)


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
    await show_times(message, state, settings, clock, i18n, offset=min(offset, 365), edit=True)


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
    slots = form_slots(await state.get_data())
    if slot in slots:
        raise Refused(_("Tämä aika on jo listalla."))
    if len(slots) >= MAX_SLOTS:
        raise Refused(_("Voit lisätä enintään 20 aikaa."))
    message = message_of(query)
    await state.update_data(slots=stored_slots([*slots, slot]))
    await query.answer(_("Aika lisätty."))
    await show_times(message, state, settings, clock, i18n, edit=True)


async def times_done(
    query: CallbackQuery, state: FSMContext, settings: Settings, clock: Clock, i18n: I18n
) -> None:
    slots = form_slots(await state.get_data())
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
    slots = form_slots(data)
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


def create_router() -> Router:
    router = Router(name="meetings.poll_times")
    router.message.filter(F.chat.type == "private", IsOrganizer())
    router.callback_query.filter(IsOrganizer())
    press, typed = router.callback_query.register, router.message.register
    times, deadline = StateFilter(NewMeeting.times), StateFilter(NewMeeting.deadline)
    typed(times_typed, times)
    press(days_page, times, NewPollButton.filter(F.step == NewStep.DAYS))
    press(day_chosen, times, NewPollButton.filter(F.step == NewStep.DAY))
    press(hour_chosen, times, NewPollButton.filter(F.step == NewStep.HOUR))
    press(times_done, times, NewPollButton.filter(F.step == NewStep.TIMES_DONE))
    typed(deadline_typed, deadline)
    press(deadline_pressed, deadline, NewPollButton.filter(F.step == NewStep.DEADLINE))
    return router
