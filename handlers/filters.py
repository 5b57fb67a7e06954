"""Filters checked against the database on every message and press: roles, and the table."""

from __future__ import annotations

from typing import Any, Protocol

from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.routing import Refused
from storage.people import Table
from storage.roles import Access
from views.common import NOT_ALLOWED


class TableButton(Protocol):
    table_id: int


class IsKnown(BaseFilter):
    """A real person (not a channel or an anonymous admin)."""

    async def __call__(self, event: TelegramObject, access: Access) -> bool:
        return access.is_known


class IsMember(BaseFilter):
    """Seated at some table, or coordinating one."""

    async def __call__(self, event: TelegramObject, access: Access) -> bool:
        return access.is_insider


class IsCoordinator(BaseFilter):
    async def __call__(self, event: TelegramObject, access: Access) -> bool:
        return access.is_coordinator


class IsOrganizer(BaseFilter):
    """May organise for some table: a coordinator, the lead coordinator, a chair or vice-chair."""

    async def __call__(self, event: TelegramObject, access: Access) -> bool:
        return access.is_organizer


class CoordinatedTable(BaseFilter):
    """The table a button is about (`callback_data.table_id`), if this person coordinates it.

    Hands the handler `table`; refuses a table that is gone or not theirs.
    """

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: TableButton,
        session: AsyncSession,
        access: Access,
    ) -> dict[str, Any]:
        table = await session.get(Table, callback_data.table_id)
        if table is None or not access.coordinates(table.id):
            raise Refused(NOT_ALLOWED)
        return {"table": table}
