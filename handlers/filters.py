"""Role filters for routers: every message and button press is checked against the database."""

from __future__ import annotations

from aiogram.filters import BaseFilter
from aiogram.types import TelegramObject

from storage.roles import Access


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
