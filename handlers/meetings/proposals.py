"""Proposing agenda items (with a description and a file) until the organiser's cut-off."""

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
from handlers.meetings.access import FormMeeting, MeetingOf, may_organise
from handlers.meetings.forms import form_cancelled
from handlers.routing import Refused, message_of
from storage.meeting_rules import (
    ITEM_TEXT_LIMIT,
    TITLE_LIMIT,
    TimeProblem,
    agenda_open,
    check_text,
    parse_time,
)
from storage.meetings import Meeting, propose_item, set_agenda_cutoff, still_upcoming
from storage.outbox import StoredFile
from storage.roles import Access
from views.callbacks import Cancel, Form, Skip
from views.meetings.agenda import ask_cutoff, ask_item_title, proposing_closed
from views.meetings.buttons import MeetingAct, MeetingButton
from views.meetings.texts import (
    cancel_keyboard,
    text_problem_text,
    time_problem_text,
)
from views.text import moment

FILE_LIMIT = 20 * 1024 * 1024  # what a bot may download from Telegram


class ProposeItem(StatesGroup):
    title = State()
    body = State()
    attachment = State()


class AgendaCutoff(StatesGroup):
    time = State()


def _keyboard(skip: bool = False) -> InlineKeyboardMarkup:
    return cancel_keyboard(Form.AGENDA, skip=skip)


# ---- proposing -------------------------------------------------------------------------------


async def propose_pressed(
    query: CallbackQuery,
    meeting: Meeting,
    access: Access,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
    i18n: I18n,
) -> None:
    now = clock.now()
    if not still_upcoming(meeting, now):
        raise Refused(_("Kokous on jo pidetty tai peruttu."))
    if not agenda_open(meeting.agenda_cutoff_at, now) and not may_organise(access, meeting):
        raise Refused(proposing_closed(meeting, settings.zone, i18n.current_locale))
    message = message_of(query)
    await query.answer()
    await state.set_state(ProposeItem.title)
    await state.update_data(meeting_id=meeting.id)
    await message.answer(ask_item_title(meeting), reply_markup=_keyboard())


async def item_title_typed(message: Message, state: FSMContext) -> None:
    problem = check_text(message.text, TITLE_LIMIT)
    if problem is not None:
        await message.answer(
            text_problem_text(problem, TITLE_LIMIT, what="item"), reply_markup=_keyboard()
        )
        return
    assert message.text is not None
    await state.update_data(title=message.text.strip())
    await state.set_state(ProposeItem.body)
    await message.answer(
        _("Kirjoita asiasta lyhyt kuvaus, tai paina Ohita."), reply_markup=_keyboard(skip=True)
    )


async def item_body_typed(message: Message, state: FSMContext) -> None:
    problem = check_text(message.text, ITEM_TEXT_LIMIT)
    if problem is not None:
        await message.answer(
            text_problem_text(problem, ITEM_TEXT_LIMIT, what="item"),
            reply_markup=_keyboard(skip=True),
        )
        return
    assert message.text is not None
    await state.update_data(body=message.text.strip())
    await _ask_attachment(message, state)


async def _ask_attachment(message: Message, state: FSMContext) -> None:
    await state.set_state(ProposeItem.attachment)
    await message.answer(
        _("Haluatko liittää tiedoston? Lähetä se nyt, tai paina Ohita."),
        reply_markup=_keyboard(skip=True),
    )


async def body_skipped(query: CallbackQuery, state: FSMContext) -> None:
    message = message_of(query)
    await query.answer()
    await state.update_data(body="")
    await message.edit_reply_markup(reply_markup=None)
    await _ask_attachment(message, state)


async def attachment_sent(
    message: Message,
    meeting: Meeting,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    assert message.document is not None
    if (message.document.file_size or 0) > FILE_LIMIT:
        await message.answer(
            _("Tiedosto on liian suuri. Suurin koko on 20 Mt."), reply_markup=_keyboard(skip=True)
        )
        return
    await _save_item(
        message,
        meeting,
        state,
        access,
        session,
        settings,
        clock,
        i18n,
        file_id=message.document.file_id,
        file_name=message.document.file_name or "liite",
    )


async def attachment_not_a_file(message: Message) -> None:
    await message.answer(
        _("Lähetä liite tiedostona, tai paina Ohita."), reply_markup=_keyboard(skip=True)
    )


async def attachment_skipped(
    query: CallbackQuery,
    meeting: Meeting,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    message = message_of(query)
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    await _save_item(message, meeting, state, access, session, settings, clock, i18n)


async def _save_item(
    message: Message,
    meeting: Meeting,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    file_id: str | None = None,
    file_name: str = "",
) -> None:
    data = await state.get_data()
    now = clock.now()
    await state.clear()
    assert access.person_id is not None
    organiser = may_organise(access, meeting)
    if not agenda_open(meeting.agenda_cutoff_at, now) and not organiser:
        await message.answer(
            proposing_closed(meeting, settings.zone, i18n.current_locale)
            + "\n"
            + _("Ehdotusta ei tallennettu.")
        )
        return
    stored = None
    if file_id:
        stored = StoredFile(file_name=file_name[:255], telegram_file_id=file_id, created_at=now)
        session.add(stored)
        await session.flush()
    await propose_item(
        session,
        meeting=meeting,
        person_id=access.person_id,
        title=data["title"],
        body=data.get("body", ""),
        file_id=stored.id if stored else None,
        accepted=organiser,
        now=now,
    )
    if organiser:
        await message.answer(_("Asia on lisätty esityslistalle."))
    else:
        await message.answer(
            _(
                "Kiitos! Ehdotuksesi on tallennettu. Puheenjohtaja tai "
                "koordinaattori käsittelee sen."
            )
        )


# ---- the cut-off -------------------------------------------------------------------------------


async def cutoff_pressed(query: CallbackQuery, meeting: Meeting, state: FSMContext) -> None:
    message = message_of(query)
    await query.answer()
    await state.set_state(AgendaCutoff.time)
    await state.update_data(meeting_id=meeting.id)
    await message.answer(ask_cutoff(), reply_markup=_keyboard())


async def cutoff_typed(
    message: Message,
    meeting: Meeting,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    now = clock.now()
    parsed = parse_time(message.text or "", now=now, zone=settings.zone)
    if isinstance(parsed, TimeProblem):
        await message.answer(time_problem_text(parsed), reply_markup=_keyboard())
        return
    if meeting.starts_at is not None and parsed.starts_at >= meeting.starts_at:
        await message.answer(
            _("Takarajan pitää olla ennen kokouksen alkua. Valitse aikaisempi aika."),
            reply_markup=_keyboard(),
        )
        return
    await set_agenda_cutoff(session, meeting, parsed.starts_at, now)
    await state.clear()
    await message.answer(
        _("Valmis. Asioita voi ehdottaa {cutoff} asti.").format(
            cutoff=moment(parsed.starts_at, settings.zone, i18n.current_locale)
        )
    )


def create_router() -> Router:
    router = Router(name="meetings.proposals")
    router.message.filter(F.chat.type == "private", IsKnown())
    router.callback_query.filter(IsKnown())
    press, typed = router.callback_query.register, router.message.register
    skip = Skip.filter(F.form == Form.AGENDA)
    in_form = FormMeeting(organiser=False)
    press(propose_pressed, MeetingButton.filter(F.act == MeetingAct.PROPOSE), MeetingOf())
    press(form_cancelled, Cancel.filter(F.form == Form.AGENDA))
    typed(item_title_typed, StateFilter(ProposeItem.title))
    typed(item_body_typed, StateFilter(ProposeItem.body))
    press(body_skipped, StateFilter(ProposeItem.body), skip)
    typed(attachment_sent, StateFilter(ProposeItem.attachment), F.document, in_form)
    typed(attachment_not_a_file, StateFilter(ProposeItem.attachment))
    press(attachment_skipped, StateFilter(ProposeItem.attachment), skip, in_form)
    press(
        cutoff_pressed,
        MeetingButton.filter(F.act == MeetingAct.SET_CUTOFF),
        MeetingOf(organiser=True),
    )
    typed(cutoff_typed, StateFilter(AgendaCutoff.time), FormMeeting())
    return router
