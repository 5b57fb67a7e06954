"""The filter behind a coordinator's erasure buttons: their table, and a member of it."""

from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import Refused
from storage.people import Person, Table, table_roster
from storage.roles import Access, Role
from views.common import NOT_ALLOWED
from views.mydata import CANNOT_ERASE, EraseMember

# City staff are not erased from a table's buttons; the lead coordinator handles them.
STAFF = {Role.COORDINATOR, Role.LEAD_COORDINATOR}


async def erasable_people(
    session: AsyncSession, table: Table, settings: Settings, clock: Clock, access: Access
) -> list[tuple[Person, Role]]:
    """The table's current people whose data its coordinator may erase on their request."""
    roster = await table_roster(session, table.id, clock.today(settings.zone))
    return [(p, r) for p, r in roster if r not in STAFF and p.id != access.person_id]


class ErasableMember(BaseFilter):
    """Hands the handler `table` (coordinated by this person) and, when the button names one,
    `member`: a current non-staff member of that table."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: EraseMember,
        session: AsyncSession,
        access: Access,
        settings: Settings,
        clock: Clock,
    ) -> dict[str, Any]:
        # Names and erasure stay in the coordinator's private chat, never in a group.
        private = query.message is not None and query.message.chat.type == "private"
        table = await session.get(Table, callback_data.table_id)
        if not private or table is None or not access.coordinates(table.id):
            raise Refused(NOT_ALLOWED)
        if not callback_data.person_id:
            return {"table": table, "member": None}
        people = await erasable_people(session, table, settings, clock, access)
        member = next((p for p, _ in people if p.id == callback_data.person_id), None)
        if member is None:
            raise Refused(CANNOT_ERASE)
        return {"table": table, "member": member}
