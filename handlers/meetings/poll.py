"""Answering the time poll; the organiser closes it early, picks the time and confirms it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsKnown
from handlers.meetings.access import MeetingOf
from handlers.routing import Refused, message_of
from notify.meetings import after_poll_closed, tell_invitation
from storage.meetings import (
    Meeting,
    MeetingSlot,
    MeetingStatus,
    VoteOutcome,
    close_poll_now,
    confirm_slot,
    poll_state,
    slots_of,
    vote,
)
from storage.roles import Access
from views.common import STALE_BUTTON
from views.meetings.buttons import MeetingAct, MeetingButton, SlotAnswer
from views.meetings.meeting import time_confirmed
from views.meetings.poll import answer_saved, pick_time
from views.meetings.texts import NOT_YOURS


async def vote_pressed(
    query: CallbackQuery,
    callback_data: SlotAnswer,
    meeting: Meeting,
    access: Access,
    session: AsyncSession,
    clock: Clock,
) -> None:
    assert access.person_id is not None
    outcome = await vote(
        session,
        meeting=meeting,
        slot_id=callback_data.slot_id,
        person_id=access.person_id,
        answer=callback_data.answer,
        now=clock.now(),
    )
    if outcome is VoteOutcome.CLOSED:
        raise Refused(_("Vastausaika on jo päättynyt. Vastauksia ei voi enää muuttaa."))
    if outcome is VoteOutcome.NOT_INVITED:
        raise Refused(NOT_YOURS)
    if outcome is VoteOutcome.NO_SUCH_SLOT:
        raise Refused(STALE_BUTTON)
    slots = await slots_of(session, meeting.id)
    number = next(n for n, s in enumerate(slots, start=1) if s.id == callback_data.slot_id)
    await query.answer(answer_saved(number, callback_data.answer))


async def close_pressed(
    query: CallbackQuery,
    meeting: Meeting,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    now = clock.now()
    if not await close_poll_now(session, meeting, now):
        raise Refused(_("Kysely on jo suljettu."))
    await after_poll_closed(session, i18n, settings, meeting, now)
    await query.answer(_("Kysely on suljettu."))


def _not_closed() -> str:
    return _("Aika on jo vahvistettu, tai kysely on vielä auki.")


async def pick_pressed(
    query: CallbackQuery, meeting: Meeting, session: AsyncSession, settings: Settings, i18n: I18n
) -> None:
    if meeting.status is not MeetingStatus.CLOSED:
        raise Refused(_not_closed())
    message = message_of(query)
    await query.answer()
    state = await poll_state(session, meeting.id)
    text, keyboard = pick_time(meeting, state, settings.zone, i18n.current_locale)
    await message.answer(text, reply_markup=keyboard)


async def confirm_pressed(
    query: CallbackQuery,
    callback_data: MeetingButton,
    meeting: Meeting,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    message = message_of(query)
    slot = await session.get(MeetingSlot, callback_data.arg)
    if slot is None or slot.meeting_id != meeting.id:
        raise Refused(STALE_BUTTON)
    assert access.person_id is not None
    now = clock.now()
    if not await confirm_slot(session, meeting, slot, access.person_id, now):
        raise Refused(_not_closed())
    await tell_invitation(session, i18n, settings, meeting, now)
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        time_confirmed(slot.starts_at, slot.ends_at, settings.zone, i18n.current_locale)
    )


def create_router() -> Router:
    router = Router(name="meetings.poll")
    router.callback_query.filter(IsKnown())
    router.callback_query.register(vote_pressed, SlotAnswer.filter(), MeetingOf())
    for act, handler in (
        (MeetingAct.CLOSE_POLL, close_pressed),
        (MeetingAct.PICK_TIME, pick_pressed),
        (MeetingAct.CONFIRM_TIME, confirm_pressed),
    ):
        router.callback_query.register(
            handler, MeetingButton.filter(F.act == act), MeetingOf(organiser=True)
        )
    return router
