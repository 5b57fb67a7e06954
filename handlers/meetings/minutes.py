"""Attendance over the roster, then minutes: uploaded, checked by two members, published."""

from __future__ import annotations

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
from handlers.filters import IsKnown
from handlers.meetings.access import MeetingOf
from handlers.meetings.forms import form_cancelled
from handlers.routing import Refused, message_of
from notify.meetings import ask_checkers, tell_minutes
from storage.meeting_rules import MINUTES_TEXT_LIMIT
from storage.meetings import (
    ApproveOutcome,
    Meeting,
    MeetingStatus,
    approve_minutes,
    participants,
    submit_minutes,
    toggle_attended,
)
from storage.outbox import StoredFile
from storage.roles import Access
from views.callbacks import Cancel, Form
from views.common import STALE_BUTTON
from views.meetings import minutes as view
from views.meetings.buttons import MeetingAct, MeetingButton, PersonAct, PersonButton
from views.meetings.texts import cancel_keyboard
from views.text import utf16_len

MAX_CHECKERS = 2


class MinutesFlow(StatesGroup):
    content = State()
    checkers = State()


def _cancel() -> Any:
    return cancel_keyboard(Form.MINUTES)


# ---- attendance ------------------------------------------------------------------------------


def _scheduled(meeting: Meeting) -> None:
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise Refused(STALE_BUTTON)


async def attend_pressed(query: CallbackQuery, meeting: Meeting, session: AsyncSession) -> None:
    _scheduled(meeting)
    message = message_of(query)
    await query.answer()
    text, keyboard = view.attendance_view(meeting, await participants(session, meeting.id))
    await message.answer(text, reply_markup=keyboard)


async def attendee_pressed(
    query: CallbackQuery, callback_data: PersonButton, meeting: Meeting, session: AsyncSession
) -> None:
    _scheduled(meeting)
    if await toggle_attended(session, meeting, callback_data.person_id) is None:
        raise Refused(STALE_BUTTON)
    message = message_of(query)
    await session.flush()
    text, keyboard = view.attendance_view(meeting, await participants(session, meeting.id))
    await message.edit_text(text, reply_markup=keyboard)
    await query.answer()


async def attend_done(query: CallbackQuery, meeting: Meeting, session: AsyncSession) -> None:
    rows = await participants(session, meeting.id)
    message = message_of(query)
    await query.answer()
    await message.edit_text(view.attendance_saved([p for row, p in rows if row.attended]))


# ---- minutes ---------------------------------------------------------------------------------


async def minutes_pressed(
    query: CallbackQuery, meeting: Meeting, clock: Clock, state: FSMContext
) -> None:
    if (
        meeting.status is not MeetingStatus.SCHEDULED
        or meeting.starts_at is None
        or (meeting.starts_at > clock.now())
    ):
        raise Refused(_("Muistion voi lisätä, kun kokous on alkanut."))
    message = message_of(query)
    await query.answer()
    await state.set_state(MinutesFlow.content)
    await state.update_data(meeting_id=meeting.id, checkers=[])
    await message.answer(view.ask_minutes(), reply_markup=_cancel())


async def minutes_file(message: Message, state: FSMContext, session: AsyncSession) -> None:
    assert message.document is not None
    await state.update_data(
        file_id=message.document.file_id,
        file_name=message.document.file_name or "muistio",
        text=None,
    )
    await _ask_checkers(message, state, session)


async def minutes_text(message: Message, state: FSMContext, session: AsyncSession) -> None:
    text = (message.text or "").strip()
    if not text:
        await message.answer(
            _("Muistio puuttuu. Lähetä tiedosto tai kirjoita teksti."), reply_markup=_cancel()
        )
        return
    if utf16_len(text) > MINUTES_TEXT_LIMIT:  # as Telegram counts: an emoji is two
        await message.answer(
            _(
                "Teksti on liian pitkä. Kirjoita enintään {limit} merkkiä, "
                "tai lähetä muistio tiedostona."
            ).format(limit=MINUTES_TEXT_LIMIT),
            reply_markup=_cancel(),
        )
        return
    await state.update_data(text=text, file_id=None)
    await _ask_checkers(message, state, session)


async def _checkers_view(
    session: AsyncSession, meeting_id: int, chosen: list[int]
) -> tuple[str, Any]:
    people = [person for _row, person in await participants(session, meeting_id)]
    return view.checkers_view(meeting_id, people, chosen)


async def _ask_checkers(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await state.set_state(MinutesFlow.checkers)
    data = await state.get_data()
    text, keyboard = await _checkers_view(session, data["meeting_id"], data.get("checkers", []))
    await message.answer(text, reply_markup=keyboard)


async def _same_form(meeting: Meeting, state: FSMContext) -> dict[str, Any]:
    data = await state.get_data()
    if meeting.id != data.get("meeting_id"):
        raise Refused(STALE_BUTTON)
    return data


async def checker_pressed(
    query: CallbackQuery,
    callback_data: PersonButton,
    meeting: Meeting,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    data = await _same_form(meeting, state)
    people = {row.person_id for row, _p in await participants(session, meeting.id)}
    chosen: list[int] = list(data.get("checkers", []))
    if callback_data.person_id not in people:
        raise Refused(STALE_BUTTON)
    if callback_data.person_id in chosen:
        chosen.remove(callback_data.person_id)
    elif len(chosen) >= MAX_CHECKERS:
        raise Refused(_("Valitse enintään kaksi tarkastajaa."))
    else:
        chosen.append(callback_data.person_id)
    message = message_of(query)
    await state.update_data(checkers=chosen)
    text, keyboard = await _checkers_view(session, meeting.id, chosen)
    await message.edit_text(text, reply_markup=keyboard)
    await query.answer()


async def minutes_done(
    query: CallbackQuery,
    meeting: Meeting,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
    i18n: I18n,
) -> None:
    data = await _same_form(meeting, state)
    message = message_of(query)
    assert access.person_id is not None
    now = clock.now()
    file = None
    if data.get("file_id"):
        file = StoredFile(
            file_name=str(data.get("file_name") or "muistio")[:255],
            telegram_file_id=data["file_id"],
            created_at=now,
        )
        session.add(file)
        await session.flush()
    checkers = list(data.get("checkers", []))
    published = await submit_minutes(
        session,
        meeting,
        text=data.get("text"),
        file_id=file.id if file else None,
        checker_ids=checkers,
        actor_id=access.person_id,
        now=now,
    )
    await state.clear()
    if published:
        await tell_minutes(session, i18n, settings, meeting, now)
        reply = _("Muistio on julkaistu. Kaikki saavat sen.")
    else:
        await ask_checkers(session, i18n, settings, meeting, now, checkers, file)
        reply = _(
            "Muistio on lähetetty tarkastajille. Se julkaistaan, kun molemmat ovat "
            "hyväksyneet sen."
        )
    await query.answer()
    await message.edit_text(reply)


async def approve_pressed(
    query: CallbackQuery,
    meeting: Meeting,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    assert access.person_id is not None
    now = clock.now()
    outcome = await approve_minutes(session, meeting, access.person_id, now)
    if outcome is ApproveOutcome.NOT_CHECKER:
        raise Refused(_("Vain valitut tarkastajat voivat hyväksyä muistion."))
    if outcome is ApproveOutcome.NOT_WAITING:
        raise Refused(_("Muistio ei odota hyväksyntää."))
    if outcome is ApproveOutcome.ALREADY:
        raise Refused(_("Olet jo hyväksynyt muistion."))
    if outcome is ApproveOutcome.PUBLISHED:
        await tell_minutes(session, i18n, settings, meeting, now)
        await query.answer(_("Kiitos! Muistio on nyt julkaistu."))
    else:
        await query.answer(
            _("Kiitos! Muistio julkaistaan, kun toinenkin tarkastaja on hyväksynyt sen.")
        )
    if isinstance(query.message, Message):  # the approval stands even if the message is gone
        await query.message.edit_reply_markup(reply_markup=None)


def create_router() -> Router:
    router = Router(name="meetings.minutes")
    router.message.filter(F.chat.type == "private", IsKnown())
    router.callback_query.filter(IsKnown())
    press, typed = router.callback_query.register, router.message.register
    organiser = MeetingOf(organiser=True)

    def act(name: MeetingAct) -> Any:
        return MeetingButton.filter(F.act == name)

    def person(name: PersonAct) -> Any:
        return PersonButton.filter(F.act == name)

    press(form_cancelled, Cancel.filter(F.form == Form.MINUTES))
    press(attend_pressed, act(MeetingAct.ATTENDANCE), organiser)
    press(attendee_pressed, person(PersonAct.ATTENDED), organiser)
    press(attend_done, act(MeetingAct.ATTENDANCE_DONE), organiser)
    press(minutes_pressed, act(MeetingAct.ADD_MINUTES), organiser)
    typed(minutes_file, StateFilter(MinutesFlow.content), F.document)
    typed(minutes_text, StateFilter(MinutesFlow.content))
    checking = StateFilter(MinutesFlow.checkers)
    press(checker_pressed, checking, person(PersonAct.CHECKER), organiser)
    press(minutes_done, checking, act(MeetingAct.CHECKERS_DONE), organiser)
    press(approve_pressed, act(MeetingAct.APPROVE_MINUTES), MeetingOf())
    return router
