"""Meeting ticks: close time polls at their deadline, and edit results messages, paced."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.settings import Settings
from handlers.meeting_views import (
    ActCb,
    poll_keyboard,
    poll_text,
    send_to_meeting,
    span,
)
from storage.meeting_rules import may_edit
from storage.meetings import (
    Meeting,
    MeetingPost,
    Participant,
    claim_due_polls,
    poll_state,
    slots_of,
    suggest,
)
from storage.outbox import OutboxMessage, enqueue
from storage.people import Person, Table
from views.language import reader_language
from views.text import esc

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
            await after_close(session, meeting, settings, i18n, now)
    return closed


async def after_close(
    session: AsyncSession, meeting: Meeting, settings: Settings, i18n: I18n, now: datetime
) -> None:
    """The best time is suggested to the organiser; the group hears the poll has closed."""
    zone = settings.zone
    best = await suggest(session, meeting)
    table = await session.get(Table, meeting.table_id) if meeting.table_id else None

    def notice(language: str) -> tuple[str, None]:
        text = _("Kokousaikakysely on päättynyt: {title}").format(title=esc(meeting.title))
        if best is not None:
            text += "\n" + _("Eniten sopiva aika: {time}").format(
                time=span(best.starts_at, best.ends_at, zone, language)
            )
        text += "\n" + _("Järjestäjä vahvistaa ajan pian.")
        return text, None

    await send_to_meeting(
        session,
        meeting=meeting,
        table=table,
        settings=settings,
        i18n=i18n,
        now=now,
        batch=f"meeting:{meeting.id}:closed",
        render=notice,
    )
    organiser = await session.get(Person, meeting.created_by_id) if meeting.created_by_id else None
    if organiser is None or organiser.telegram_id is None:
        return
    language = reader_language(organiser, settings.default_language)
    with i18n.use_locale(language):
        text, markup = await confirm_question(session, meeting, settings, language)
    await enqueue(
        session,
        batch=f"meeting:{meeting.id}:confirm",
        chat_ids=[organiser.telegram_id],
        now=now,
        text=text,
        reply_markup=markup.model_dump(exclude_none=True),
        person_ids={organiser.telegram_id: organiser.id},
    )


async def confirm_question(
    session: AsyncSession, meeting: Meeting, settings: Settings, language: str
) -> tuple[str, InlineKeyboardMarkup]:
    zone = settings.zone
    slots = await slots_of(session, meeting.id)
    best = next((s for s in slots if s.id == meeting.suggested_slot_id), None)
    text = _("Vastausaika päättyi: {title}").format(title=esc(meeting.title))
    builder = InlineKeyboardBuilder()
    if best is not None:
        text += "\n\n" + _("Eniten sopiva aika on {time}.").format(
            time=span(best.starts_at, best.ends_at, zone, language)
        )
        builder.button(
            text=_("Vahvista tämä aika"),
            callback_data=ActCb(m=meeting.id, do="confirm", arg=best.id),
        )
    text += "\n\n" + _("Voit myös valita toisen ajan.")
    builder.button(text=_("Valitse toinen aika"), callback_data=ActCb(m=meeting.id, do="pick"))
    builder.adjust(1)
    return text, builder.as_markup()


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
    async with sessionmaker() as session:
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
            table = await session.get(Table, meeting.table_id) if meeting.table_id else None
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
