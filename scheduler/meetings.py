"""Meeting ticks: close time polls at their deadline, and edit results messages, paced."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.utils.i18n import I18n
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.settings import Settings
from notify.meetings import after_poll_closed, table_of
from storage.db import reading
from storage.meeting_rules import may_edit
from storage.meetings import Meeting, MeetingPost, Participant, claim_due_polls, poll_state
from storage.outbox import OutboxMessage
from views.meetings.poll import poll_keyboard, poll_text

log = logging.getLogger(__name__)

# Edits per tick stay well under Telegram's ~30 requests a second for the whole bot.
EDITS_PER_TICK = 20


async def meetings_tick(
    sessionmaker: async_sessionmaker[AsyncSession],
    bot: Bot,
    clock: Clock,
    i18n: I18n,
    settings: Settings,
) -> None:
    with i18n.context():
        await close_due_polls(sessionmaker, clock, i18n, settings)
        await refresh_results(sessionmaker, bot, clock, i18n, settings)


async def close_due_polls(
    sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, i18n: I18n, settings: Settings
) -> list[int]:
    """Claim and close every poll past its deadline; tell the group and the organiser."""
    now = clock.now()
    async with sessionmaker() as session, session.begin():
        closed = await claim_due_polls(session, now)
        for meeting_id in closed:
            meeting = await session.get(Meeting, meeting_id)
            assert meeting is not None
            await session.refresh(meeting)
            await after_poll_closed(session, i18n, settings, meeting, now)
    return closed


@dataclass(frozen=True)
class _Edit:
    post_id: int
    chat_id: int
    message_id: int
    meeting_id: int
    person_id: int | None
    language: str
    version: int


async def refresh_results(
    sessionmaker: async_sessionmaker[AsyncSession],
    bot: Bot,
    clock: Clock,
    i18n: I18n,
    settings: Settings,
) -> int:
    """Edit stale results messages in place, at most one edit per chat every few seconds."""
    now = clock.now()
    async with reading(sessionmaker) as session:
        result = await session.execute(
            select(MeetingPost, OutboxMessage.telegram_message_id, Meeting.results_version)
            .join(Meeting, Meeting.id == MeetingPost.meeting_id)
            .join(OutboxMessage, OutboxMessage.id == MeetingPost.outbox_id)
            .where(
                MeetingPost.purpose == "poll",
                MeetingPost.edited_version < Meeting.results_version,
                OutboxMessage.telegram_message_id.is_not(None),
            )
            .order_by(MeetingPost.id)
        )
        rows = [(post, message_id, version) for post, message_id, version in result]
        last_edits: dict[int, datetime | None] = {
            chat_id: edited
            for chat_id, edited in await session.execute(
                select(MeetingPost.chat_id, func.max(MeetingPost.last_edited_at)).group_by(
                    MeetingPost.chat_id
                )
            )
        }
        due: list[_Edit] = []
        for post, message_id, version in rows:
            if len(due) >= EDITS_PER_TICK:
                break
            if message_id is None or not may_edit(last_edits.get(post.chat_id), now):
                continue
            last_edits[post.chat_id] = now
            due.append(
                _Edit(
                    post.id,
                    post.chat_id,
                    message_id,
                    post.meeting_id,
                    post.person_id,
                    post.language,
                    version,
                )
            )
        rendered = []
        for edit in due:
            meeting = await session.get(Meeting, edit.meeting_id)
            assert meeting is not None
            state = await poll_state(session, meeting.id)
            invited = (
                await session.scalar(
                    select(func.count(Participant.id)).where(Participant.meeting_id == meeting.id)
                )
                or 0
            )
            table = await table_of(session, meeting)
            with i18n.use_locale(edit.language):
                text = poll_text(meeting, table, state, invited, settings.zone, edit.language)
            mine = state.by_person.get(edit.person_id, {}) if edit.person_id else None
            rendered.append((edit, text, poll_keyboard(meeting, state.slots, mine)))
    for edit, text, markup in rendered:
        try:
            await bot.edit_message_text(
                text, chat_id=edit.chat_id, message_id=edit.message_id, reply_markup=markup
            )
        except TelegramRetryAfter as error:
            log.info("results edit paused for %s s", error.retry_after)
            break
        except (TelegramBadRequest, TelegramForbiddenError) as error:
            # "message is not modified", or the chat is gone: either way, nothing to redo.
            log.info("results edit in chat %s: %s", edit.chat_id, error.message)
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(MeetingPost)
                .where(MeetingPost.id == edit.post_id)
                .values(last_edited_at=now, edited_version=edit.version)
            )
    return len(rendered)
