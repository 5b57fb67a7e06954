""" "Olen lukenut" under an announcement, and the author's "Kuka on lukenut?"."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from handlers.routing import Refused, message_of
from storage.announcements import Announcement, acknowledge, readers
from storage.people import Person
from storage.roles import Access
from views.announcements import (
    ACK_AGAIN,
    ACK_NOT_YOURS,
    ACK_SAVED,
    AnnAck,
    AnnAcks,
    readers_text,
)
from views.common import NOT_ALLOWED


class ToAcknowledge(BaseFilter):
    """The announcement under the pressed button, if it asks this reader for a "read" press."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: AnnAck,
        session: AsyncSession,
        access: Access,
        person: Person | None,
    ) -> dict[str, Any]:
        announcement = await session.get(Announcement, callback_data.announcement_id)
        if (
            person is None
            or announcement is None
            or not announcement.ask_ack
            or not any(access.belongs_to(t) for t in announcement.table_ids)
        ):
            raise Refused(ACK_NOT_YOURS)
        return {"announcement": announcement}


class ReadersOf(BaseFilter):
    """The announcement whose readers are asked for, if this is its author or coordinator."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: AnnAcks,
        session: AsyncSession,
        access: Access,
        person: Person | None,
    ) -> dict[str, Any]:
        announcement = await session.get(Announcement, callback_data.announcement_id)
        if (
            announcement is None
            or person is None
            or not (
                announcement.author_id == person.id
                or any(access.coordinates(t) for t in announcement.table_ids)
            )
        ):
            raise Refused(NOT_ALLOWED)
        return {"announcement": announcement}


async def acknowledged(
    query: CallbackQuery,
    announcement: Announcement,
    person: Person,
    session: AsyncSession,
    clock: Clock,
) -> None:
    first = await acknowledge(session, announcement.id, person.id, clock.now())
    await query.answer(str(ACK_SAVED if first else ACK_AGAIN))


async def show_readers(
    query: CallbackQuery, announcement: Announcement, session: AsyncSession
) -> None:
    message = message_of(query)
    names = [p.full_name for p in await readers(session, announcement.id)]
    await query.answer()
    await message.answer(readers_text(names))


def create_router() -> Router:
    router = Router(name="announcements.acks")
    router.callback_query.register(acknowledged, AnnAck.filter(), ToAcknowledge())
    router.callback_query.register(show_readers, AnnAcks.filter(), ReadersOf())
    return router
