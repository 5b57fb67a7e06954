"""Who may do what with a meeting, and the filters that load the meeting a button is about."""

from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.routing import Refused
from storage.meetings import Meeting, meeting_to_act_on, participant
from storage.roles import Access
from views.common import NOT_ALLOWED, STALE_BUTTON
from views.meetings.buttons import MeetingData
from views.meetings.texts import NOT_YOURS


def may_organise(access: Access, meeting: Meeting) -> bool:
    return access.is_lead if meeting.table_id is None else access.leads(meeting.table_id)


async def may_see(session: AsyncSession, access: Access, meeting: Meeting) -> bool:
    """The table's people see its meetings; a joint meeting, those invited (and the lead)."""
    if may_organise(access, meeting):
        return True
    if meeting.table_id is not None:
        return access.belongs_to(meeting.table_id)
    return await participant(session, meeting.id, access.person_id) is not None


class MeetingOf(BaseFilter):
    """The meeting a button is about, if this person may act on it.

    By default its people may (others, former members too, hear it is not theirs);
    `organiser` asks for the right to organise it.
    """

    def __init__(self, *, organiser: bool = False) -> None:
        self.organiser = organiser

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: MeetingData,
        session: AsyncSession,
        access: Access,
    ) -> dict[str, Any]:
        meeting = await meeting_to_act_on(session, callback_data.meeting_id)
        if meeting is None:
            raise Refused(STALE_BUTTON)
        if self.organiser:
            if not may_organise(access, meeting):
                raise Refused(NOT_ALLOWED)
        elif not await may_see(session, access, meeting):
            raise Refused(NOT_YOURS)
        return {"meeting": meeting}


class FormMeeting(BaseFilter):
    """The meeting a typed step of a form is about (kept in the form's data), if this person
    still organises it (or, with `organiser=False`, may see it); else the form ends."""

    def __init__(self, *, organiser: bool = True) -> None:
        self.organiser = organiser

    async def __call__(
        self,
        event: Message | CallbackQuery,
        state: FSMContext,
        session: AsyncSession,
        access: Access,
    ) -> dict[str, Any]:
        meeting = await meeting_to_act_on(session, (await state.get_data()).get("meeting_id", 0))
        allowed = meeting is not None and (
            may_organise(access, meeting)
            if self.organiser
            else await may_see(session, access, meeting)
        )
        if not allowed:
            await state.clear()
            raise Refused(NOT_ALLOWED)
        return {"meeting": meeting}
