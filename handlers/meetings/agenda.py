"""Shaping the agenda: the organiser accepts, orders and edits items, then posts it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsKnown
from handlers.meetings.access import MeetingOf, may_organise
from handlers.routing import Refused, message_of
from notify.meetings import tell_agenda
from storage.meeting_rules import TITLE_LIMIT, check_text
from storage.meetings import (
    AgendaItem,
    ItemStatus,
    Meeting,
    accept_item,
    agenda,
    agenda_posted,
    agenda_touched,
    meeting_to_act_on,
    move_item,
    reject_item,
)
from storage.roles import Access
from views.callbacks import Form
from views.common import NOT_ALLOWED, STALE_BUTTON
from views.meetings.agenda import organiser_view
from views.meetings.buttons import ItemAct, ItemButton, MeetingAct, MeetingButton
from views.meetings.texts import cancel_keyboard, text_problem_text
from views.text import esc


class EditItem(StatesGroup):
    title = State()


async def _organiser_view(
    session: AsyncSession, meeting: Meeting
) -> tuple[str, InlineKeyboardMarkup]:
    accepted = await agenda(session, meeting.id)
    proposed = await agenda(session, meeting.id, (ItemStatus.PROPOSED,))
    return organiser_view(meeting, accepted, proposed)


# ---- organising the agenda -------------------------------------------------------------------


async def organise_pressed(query: CallbackQuery, meeting: Meeting, session: AsyncSession) -> None:
    message = message_of(query)
    await query.answer()
    text, keyboard = await _organiser_view(session, meeting)
    await message.answer(text, reply_markup=keyboard)


async def _organised_item(
    session: AsyncSession, access: Access, item_id: int
) -> tuple[AgendaItem, Meeting]:
    item = await session.get(AgendaItem, item_id)
    meeting = await meeting_to_act_on(session, item.meeting_id) if item else None
    if item is None or meeting is None:
        raise Refused(STALE_BUTTON)
    await session.refresh(item)  # as it is now that the meeting is ours
    if not may_organise(access, meeting):
        raise Refused(NOT_ALLOWED)
    return item, meeting


async def item_pressed(
    query: CallbackQuery, callback_data: ItemButton, access: Access, session: AsyncSession
) -> None:
    item, meeting = await _organised_item(session, access, callback_data.item_id)
    act = callback_data.act
    if act is ItemAct.ACCEPT:
        done = await accept_item(session, meeting, item)
    elif act is ItemAct.REJECT:
        done = reject_item(meeting, item)
    elif item.status is ItemStatus.ACCEPTED:
        if not await move_item(session, meeting, item, -1 if act is ItemAct.UP else 1):
            await query.answer(_("Asia on jo reunassa."))
            return
        done = True
    else:
        done = False
    if not done:
        raise Refused(STALE_BUTTON)
    message = message_of(query)
    await session.flush()
    text, keyboard = await _organiser_view(session, meeting)
    await message.edit_text(text, reply_markup=keyboard)
    await query.answer(_("Tallennettu."))


async def item_edit_pressed(
    query: CallbackQuery,
    callback_data: ItemButton,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    item, _meeting = await _organised_item(session, access, callback_data.item_id)
    message = message_of(query)
    await query.answer()
    await state.set_state(EditItem.title)
    await state.update_data(item_id=item.id)
    await message.answer(
        _("Nyt: {title}\n\nKirjoita uusi otsikko.").format(title=esc(item.title)),
        reply_markup=cancel_keyboard(Form.AGENDA),
    )


async def item_title_edited(
    message: Message, state: FSMContext, access: Access, session: AsyncSession
) -> None:
    item_id = (await state.get_data()).get("item_id", 0)
    try:
        item, meeting = await _organised_item(session, access, item_id)
    except Refused:
        await state.clear()
        raise Refused(NOT_ALLOWED) from None
    problem = check_text(message.text, TITLE_LIMIT)
    if problem is not None:
        await message.answer(
            text_problem_text(problem, TITLE_LIMIT, what="item"),
            reply_markup=cancel_keyboard(Form.AGENDA),
        )
        return
    assert message.text is not None
    item.title = message.text.strip()
    if item.status is ItemStatus.ACCEPTED:
        agenda_touched(meeting)
    await state.clear()
    text, keyboard = await _organiser_view(session, meeting)
    await message.answer(text, reply_markup=keyboard)


async def publish_pressed(
    query: CallbackQuery,
    meeting: Meeting,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    changed = meeting.agenda_posted_at is not None
    if changed and not meeting.agenda_changed:
        raise Refused(_("Esityslista on jo julkaistu, eikä siihen ole tullut muutoksia."))
    message = message_of(query)
    now = clock.now()
    await tell_agenda(session, i18n, settings, meeting, now, changed=changed)
    agenda_posted(meeting, now)
    await query.answer(_("Esityslista on lähetetty."))
    text, keyboard = await _organiser_view(session, meeting)
    await message.edit_text(text, reply_markup=keyboard)


def create_router() -> Router:
    router = Router(name="meetings.agenda")
    router.message.filter(F.chat.type == "private", IsKnown())
    router.callback_query.filter(IsKnown())
    press = router.callback_query.register
    organiser = MeetingOf(organiser=True)
    press(organise_pressed, MeetingButton.filter(F.act == MeetingAct.ORGANISE_AGENDA), organiser)
    press(item_pressed, ItemButton.filter(F.act != ItemAct.EDIT))
    press(item_edit_pressed, ItemButton.filter(F.act == ItemAct.EDIT))
    router.message.register(item_title_edited, StateFilter(EditItem.title))
    press(publish_pressed, MeetingButton.filter(F.act == MeetingAct.PUBLISH_AGENDA), organiser)
    return router
