"""The meeting forms' shared pieces: the new-poll steps, its candidate times as kept between
the steps, and leaving any meeting form with Peru."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery

from handlers.routing import message_of
from storage.meeting_rules import Slot
from storage.roles import Access
from views.meetings.buttons import JOINT
from views.meetings.texts import NOTHING_SAVED


class NewMeeting(StatesGroup):
    title = State()
    kind = State()
    place = State()
    times = State()
    deadline = State()
    confirm = State()


def form_slots(data: dict[str, Any]) -> list[Slot]:
    return [
        Slot(datetime.fromisoformat(a), datetime.fromisoformat(b))
        for a, b in data.get("slots", [])
    ]


def stored_slots(slots: list[Slot]) -> list[list[str]]:
    return [
        [s.starts_at.isoformat(), s.ends_at.isoformat()]
        for s in sorted(slots, key=lambda s: s.starts_at)
    ]


def may_create(access: Access, table_id: int) -> bool:
    return access.is_lead if table_id == JOINT else access.leads(table_id)


async def form_cancelled(query: CallbackQuery, state: FSMContext) -> None:
    """Peru in any meeting form: the form ends and nothing is saved."""
    message = message_of(query)
    await state.clear()
    await query.answer()
    await message.edit_text(str(NOTHING_SAVED))
