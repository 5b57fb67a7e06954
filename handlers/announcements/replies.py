"""A member's private reply to an announcement goes to the coordinators; one of them answers."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import BaseFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import Refused, message_of
from notify.announcements import coordinators_of, forward_reply, send_answer
from storage.announcements import Announcement, Reply, announcement_for_message
from storage.people import Person
from storage.roles import Access
from views.announcements import (
    ANSWER_AS_TEXT,
    ANSWER_SENT,
    MEMBER_NOT_ON_TELEGRAM,
    NO_COORDINATOR,
    REPLY_FORWARDED,
    WRITE_ANSWER,
    AnnAnswer,
    cancel_keyboard,
)
from views.common import NOT_ALLOWED


class Answering(StatesGroup):
    text = State()


async def replied_announcement(
    message: Message, session: AsyncSession
) -> dict[str, Announcement] | bool:
    """Matches a private reply to one of the bot's announcement messages, and only that."""
    if message.reply_to_message is None:
        return False
    announcement = await announcement_for_message(
        session, message.chat.id, message.reply_to_message.message_id
    )
    return {"announcement": announcement} if announcement is not None else False


async def member_replied(
    message: Message,
    announcement: Announcement,
    person: Person | None,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    i18n: I18n,
) -> None:
    assert message.text is not None
    if person is None:
        return
    to = await coordinators_of(
        session, announcement, clock.today(settings.zone), i18n.default_locale
    )
    if not to:
        await message.answer(str(NO_COORDINATOR))
        return
    now = clock.now()
    reply = Reply(
        announcement_id=announcement.id, person_id=person.id, text=message.text, created_at=now
    )
    session.add(reply)
    await session.flush()
    await forward_reply(
        session, i18n, to, reply=reply, announcement=announcement, member=person, now=now
    )
    await message.answer(str(REPLY_FORWARDED))


class ReplyToAnswer(BaseFilter):
    """The member's reply under the pressed "Vastaa", if this person coordinates its table."""

    async def __call__(
        self, query: CallbackQuery, callback_data: AnnAnswer, session: AsyncSession, access: Access
    ) -> dict[str, Any]:
        reply = await session.get(Reply, callback_data.reply_id)
        announcement = await session.get(Announcement, reply.announcement_id) if reply else None
        if announcement is None or not any(access.coordinates(t) for t in announcement.table_ids):
            raise Refused(NOT_ALLOWED)
        return {"reply": reply}


async def answer_pressed(query: CallbackQuery, reply: Reply, state: FSMContext) -> None:
    message = message_of(query)
    await state.set_state(Answering.text)
    await state.update_data(reply_id=reply.id)
    await query.answer()
    await message.answer(str(WRITE_ANSWER), reply_markup=cancel_keyboard())


async def answer_written(
    message: Message,
    state: FSMContext,
    access: Access,
    person: Person | None,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    if not message.text or not message.text.strip():
        await message.answer(str(ANSWER_AS_TEXT))
        return
    reply_id = (await state.get_data()).get("reply_id")
    reply = await session.get(Reply, reply_id) if reply_id else None
    announcement = await session.get(Announcement, reply.announcement_id) if reply else None
    member = await session.get(Person, reply.person_id) if reply else None
    await state.clear()
    if (
        reply is None
        or announcement is None
        or member is None
        or person is None
        or not any(access.coordinates(t) for t in announcement.table_ids)
    ):
        await message.answer(str(NOT_ALLOWED))
        return
    if member.telegram_id is None:
        await message.answer(str(MEMBER_NOT_ON_TELEGRAM))
        return
    now = clock.now()
    await send_answer(
        session,
        i18n,
        member,
        coordinator=person,
        text=message.text,
        batch=f"answer:{reply.id}:{message.message_id}",
        now=now,
    )
    reply.answered_at = now
    await message.answer(str(ANSWER_SENT))


def create_router() -> Router:
    router = Router(name="announcements.replies")
    router.message.filter(F.chat.type == "private")
    router.message.register(member_replied, StateFilter(None), F.text, replied_announcement)
    router.callback_query.register(answer_pressed, AnnAnswer.filter(), ReplyToAnswer())
    router.message.register(answer_written, StateFilter(Answering.text))
    return router
