"""The new-poll form's steps, and its candidate times as kept between the steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.fsm.state import State, StatesGroup

from storage.meeting_rules import Slot
from storage.roles import Access
from views.meetings.buttons import JOINT


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
