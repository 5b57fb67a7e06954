"""/kokoukset and the menu's Kokoukset: the list, one meeting's card, its agenda and minutes."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsKnown
from handlers.meetings.access import MeetingOf, may_organise, may_see
from handlers.routing import Refused, command_or_menu, message_of
from notify.meetings import table_of
from storage.meeting_rules import Rsvp, missing
from storage.meetings import (
    Meeting,
    MeetingStatus,
    MinutesStatus,
    agenda,
    meetings_for,
    participants,
    poll_state,
    still_upcoming,
    upcoming_and_past,
)
from storage.outbox import StoredFile
from storage.people import tables_in_order
from storage.roles import Access
from views.callbacks import Menu
from views.meetings.agenda import agenda_text, attachment_caption
from views.meetings.buttons import MeetingAct, MeetingButton, OpenMeeting
from views.meetings.meeting import (
    Card,
    MeetingsPage,
    meeting_card,
    meeting_list,
    no_meetings_for_outsiders,
)
from views.meetings.minutes import minutes_heading
from views.text import esc, split_text


async def show_meetings(
    message: Message,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    state: FSMContext,
) -> None:
    await state.clear()
    shown = await _meetings_page(0, access, session, settings, clock, i18n)
    if shown is None:
        await message.answer(no_meetings_for_outsiders())
        return
    await message.answer(shown[0], reply_markup=shown[1])


async def meetings_page(
    query: CallbackQuery,
    callback_data: MeetingsPage,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    shown = await _meetings_page(callback_data.page, access, session, settings, clock, i18n)
    if shown is None:
        raise Refused(no_meetings_for_outsiders())
    await query.answer()
    with suppress(TelegramBadRequest):  # pressed twice: the page is already shown
        await message_of(query).edit_text(shown[0], reply_markup=shown[1])


async def _meetings_page(
    number: int,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> tuple[str, InlineKeyboardMarkup] | None:
    """A page of the meetings this person may see (None: not at any table)."""
    table_ids = [t.id for t in await tables_in_order(session)]
    own = access.own_tables(table_ids)
    if not own and not access.is_lead:
        return None
    rows = await meetings_for(session, own, include_joint=access.is_lead or access.is_chair)
    visible = [m for m in rows if await may_see(session, access, m)]
    upcoming, past = upcoming_and_past(visible, clock.now())
    return meeting_list(
        upcoming,
        past,
        page_number=number,
        may_create=bool(access.led_tables(table_ids)) or access.is_lead,
        zone=settings.zone,
        language=i18n.current_locale,
    )


async def card_of(session: AsyncSession, access: Access, meeting: Meeting, clock: Clock) -> Card:
    people = await participants(session, meeting.id)
    answered = 0
    if meeting.status is MeetingStatus.SCHEDULED:
        not_answered = [p for row, p in people if row.rsvp is None]
    elif meeting.status in (MeetingStatus.POLLING, MeetingStatus.CLOSED):
        by_person = (await poll_state(session, meeting.id)).by_person
        answered = len(by_person)
        left = set(missing([row.person_id for row, _p in people], by_person))
        not_answered = [p for row, p in people if row.person_id in left]
    else:
        not_answered = []
    return Card(
        meeting=meeting,
        table=await table_of(session, meeting),
        organiser=may_organise(access, meeting),
        upcoming=still_upcoming(meeting, clock.now()),
        rsvps={answer: sum(1 for row, _p in people if row.rsvp is answer) for answer in Rsvp},
        not_answered=not_answered,
        answered=answered,
        invited=len(people),
        items=len(await agenda(session, meeting.id)),
    )


async def open_meeting(
    query: CallbackQuery,
    meeting: Meeting,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    message = message_of(query)
    card = await card_of(session, access, meeting, clock)
    await query.answer()
    text, keyboard = meeting_card(card, settings.zone, i18n.current_locale)
    await message.answer(text, reply_markup=keyboard)


async def show_agenda(
    query: CallbackQuery, meeting: Meeting, session: AsyncSession, settings: Settings, i18n: I18n
) -> None:
    message = message_of(query)
    await query.answer()
    table = await table_of(session, meeting)
    items = await agenda(session, meeting.id)
    for part in split_text(agenda_text(meeting, table, items, settings.zone, i18n.current_locale)):
        await message.answer(part)
    for number, item in enumerate(items, start=1):
        file = await session.get(StoredFile, item.file_id) if item.file_id else None
        if file is not None and file.telegram_file_id:
            await message.answer_document(
                file.telegram_file_id, caption=attachment_caption(number, item)
            )


async def show_minutes(query: CallbackQuery, meeting: Meeting, session: AsyncSession) -> None:
    """The minutes in this chat: the document, or the text split across messages."""
    if meeting.minutes_status is not MinutesStatus.PUBLISHED:
        raise Refused(_("Muistiota ei ole vielä julkaistu."))
    message = message_of(query)
    await query.answer()
    heading = minutes_heading(meeting)
    if meeting.minutes_file_id:
        file = await session.get(StoredFile, meeting.minutes_file_id)
        if file is not None and file.telegram_file_id:
            await message.answer_document(file.telegram_file_id, caption=heading)
            return
    for part in split_text(heading + "\n\n" + esc(meeting.minutes_text or "")):
        await message.answer(part)


def create_router() -> Router:
    router = Router(name="meetings.listing")
    router.message.filter(F.chat.type == "private", IsKnown())
    router.callback_query.filter(IsKnown())
    command_or_menu(router, "meetings", Menu.MEETINGS)(show_meetings)
    router.callback_query.register(meetings_page, MeetingsPage.filter())
    router.callback_query.register(open_meeting, OpenMeeting.filter(), MeetingOf())
    router.callback_query.register(
        show_agenda, MeetingButton.filter(F.act == MeetingAct.SHOW_AGENDA), MeetingOf()
    )
    router.callback_query.register(
        show_minutes, MeetingButton.filter(F.act == MeetingAct.SHOW_MINUTES), MeetingOf()
    )
    return router
