"""A confirmed meeting: members answer whether they come; the organiser moves or cancels it."""

from __future__ import annotations

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
from handlers.filters import IsKnown
from handlers.meetings.access import FormMeeting, MeetingOf
from handlers.routing import Refused, message_of
from notify.meetings import tell_invitation
from storage.meeting_rules import TimeProblem, parse_time
from storage.meetings import Meeting, MeetingStatus, cancel, move, set_rsvp
from storage.roles import Access
from views.common import NOT_ALLOWED, STALE_BUTTON
from views.meetings.buttons import MeetingAct, MeetingButton, RsvpAnswer
from views.meetings.meeting import ask_cancel, ask_new_time, moved, rsvp_saved
from views.meetings.texts import NOT_YOURS, time_problem_text


class MoveMeeting(StatesGroup):
    time = State()


async def rsvp_pressed(
    query: CallbackQuery,
    callback_data: RsvpAnswer,
    meeting: Meeting,
    access: Access,
    session: AsyncSession,
    clock: Clock,
) -> None:
    if meeting.status is not MeetingStatus.SCHEDULED or (
        meeting.ends_at is not None and meeting.ends_at < clock.now()
    ):
        raise Refused(_("Tähän kokoukseen ei voi enää ilmoittautua."))
    assert access.person_id is not None
    if not await set_rsvp(session, meeting, access.person_id, callback_data.answer):
        raise Refused(NOT_YOURS)
    await query.answer(rsvp_saved(callback_data.answer))


async def move_pressed(query: CallbackQuery, meeting: Meeting, state: FSMContext) -> None:
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise Refused(STALE_BUTTON)
    message = message_of(query)
    await query.answer()
    await state.set_state(MoveMeeting.time)
    await state.update_data(meeting_id=meeting.id)
    text, keyboard = ask_new_time()
    await message.answer(text, reply_markup=keyboard)


async def move_typed(
    message: Message,
    meeting: Meeting,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    if meeting.status is not MeetingStatus.SCHEDULED:
        await state.clear()
        raise Refused(NOT_ALLOWED)
    now = clock.now()
    parsed = parse_time(message.text or "", now=now, zone=settings.zone)
    if isinstance(parsed, TimeProblem):
        await message.answer(time_problem_text(parsed))
        return
    assert access.person_id is not None
    await move(session, meeting, parsed, access.person_id, now)
    await state.clear()
    await tell_invitation(session, i18n, settings, meeting, now, moved=True)
    await message.answer(
        moved(parsed.starts_at, parsed.ends_at, settings.zone, i18n.current_locale)
    )


async def cancel_pressed(query: CallbackQuery, meeting: Meeting) -> None:
    message = message_of(query)
    await query.answer()
    text, keyboard = ask_cancel(meeting.id)
    await message.answer(text, reply_markup=keyboard)


async def cancel_confirmed(
    query: CallbackQuery,
    meeting: Meeting,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise Refused(STALE_BUTTON)
    message = message_of(query)
    assert access.person_id is not None
    now = clock.now()
    await cancel(session, meeting, access.person_id, now)
    await tell_invitation(session, i18n, settings, meeting, now)
    await query.answer()
    await message.edit_text(_("Kokous on peruttu. Kaikki saavat tiedon."))


def create_router() -> Router:
    router = Router(name="meetings.changes")
    router.message.filter(F.chat.type == "private", IsKnown())
    router.callback_query.filter(IsKnown())
    router.callback_query.register(rsvp_pressed, RsvpAnswer.filter(), MeetingOf())
    organiser = MeetingOf(organiser=True)
    router.callback_query.register(
        move_pressed, MeetingButton.filter(F.act == MeetingAct.MOVE), organiser
    )
    router.message.register(move_typed, StateFilter(MoveMeeting.time), FormMeeting())
    router.callback_query.register(
        cancel_pressed, MeetingButton.filter(F.act == MeetingAct.CANCEL), organiser
    )
    router.callback_query.register(
        cancel_confirmed, MeetingButton.filter(F.act == MeetingAct.CANCEL_CONFIRMED), organiser
    )
    return router
