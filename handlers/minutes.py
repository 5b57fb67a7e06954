"""Attendance over the roster, then minutes: uploaded, checked by two members, published."""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsKnown
from handlers.meeting_views import (
    ActCb,
    PersonCb,
    load,
    send_long,
    send_to_meeting,
    stale,
)
from storage.meeting_rules import MINUTES_TEXT_LIMIT
from storage.meetings import (
    ApproveOutcome,
    Meeting,
    MeetingStatus,
    approve_minutes,
    participants,
    submit_minutes,
    toggle_attended,
)
from storage.outbox import OutboxKind, StoredFile
from storage.people import Table
from storage.roles import Access
from views.callbacks import Cancel, Form
from views.text import esc

router = Router(name="minutes")
router.message.filter(IsKnown())
router.callback_query.filter(IsKnown())

MAX_CHECKERS = 2


class MinutesFlow(StatesGroup):
    content = State()
    checkers = State()


def _cancel() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.MINUTES))
    return builder.as_markup()


@router.callback_query(Cancel.filter(F.form == Form.MINUTES))
async def minutes_cancelled(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Peruttu. Mitään ei tallennettu."))


# ---- attendance ------------------------------------------------------------------------------


async def attendance_view(
    session: AsyncSession,
    meeting: Meeting,
) -> tuple[str, InlineKeyboardMarkup]:
    rows = await participants(session, meeting.id)
    builder = InlineKeyboardBuilder()
    for row, person in rows:
        mark = "✅" if row.attended else "▫️"
        builder.button(
            text=f"{mark} {person.full_name}"[:60],
            callback_data=PersonCb(m=meeting.id, p=person.id, do="att"),
        )
    builder.button(text=_("Valmis"), callback_data=ActCb(m=meeting.id, do="attend_done"))
    builder.adjust(2)
    present = sum(1 for row, _p in rows if row.attended)
    text = _(
        "✅ <b>Läsnä: {title}</b>\nPaina niitä, jotka ovat paikalla. Läsnä nyt: {present}/{total}"
    ).format(title=esc(meeting.title), present=present, total=len(rows))
    return text, builder.as_markup()


@router.callback_query(ActCb.filter(F.do == "attend"))
async def attend_pressed(
    query: CallbackQuery, callback_data: ActCb, access: Access, session: AsyncSession
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    if meeting.status is not MeetingStatus.SCHEDULED:
        await query.answer(stale(), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        text, keyboard = await attendance_view(session, meeting)
        await query.message.answer(text, reply_markup=keyboard)


@router.callback_query(PersonCb.filter(F.do == "att"))
async def attendee_pressed(
    query: CallbackQuery, callback_data: PersonCb, access: Access, session: AsyncSession
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    if (
        meeting.status is not MeetingStatus.SCHEDULED
        or await toggle_attended(session, meeting, callback_data.p) is None
    ):
        await query.answer(stale(), show_alert=True)
        return
    await session.flush()
    if isinstance(query.message, Message):
        text, keyboard = await attendance_view(session, meeting)
        await query.message.edit_text(text, reply_markup=keyboard)
    await query.answer()


@router.callback_query(ActCb.filter(F.do == "attend_done"))
async def attend_done(
    query: CallbackQuery, callback_data: ActCb, access: Access, session: AsyncSession
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    rows = await participants(session, meeting.id)
    await query.answer()
    if isinstance(query.message, Message):
        names = ", ".join(esc(p.full_name) for row, p in rows if row.attended) or "–"
        await query.message.edit_text(_("Läsnäolijat on tallennettu: {names}").format(names=names))


# ---- minutes ---------------------------------------------------------------------------------


@router.callback_query(ActCb.filter(F.do == "minutes"))
async def minutes_pressed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    if (
        meeting.status is not MeetingStatus.SCHEDULED
        or meeting.starts_at is None
        or (meeting.starts_at > clock.now())
    ):
        await query.answer(_("Muistion voi lisätä, kun kokous on alkanut."), show_alert=True)
        return
    await query.answer()
    await state.set_state(MinutesFlow.content)
    await state.update_data(meeting_id=meeting.id, checkers=[])
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "Lähetä muistio tiedostona, tai kirjoita se tähän "
                "viestiin. Kirjoita mukaan päätökset."
            ),
            reply_markup=_cancel(),
        )


@router.message(StateFilter(MinutesFlow.content), F.chat.type == "private", F.document)
async def minutes_file(message: Message, state: FSMContext, session: AsyncSession) -> None:
    assert message.document is not None
    await state.update_data(
        file_id=message.document.file_id,
        file_name=message.document.file_name or "muistio",
        text=None,
    )
    await _ask_checkers(message, state, session)


@router.message(StateFilter(MinutesFlow.content), F.chat.type == "private")
async def minutes_text(message: Message, state: FSMContext, session: AsyncSession) -> None:
    text = (message.text or "").strip()
    if not text:
        await message.answer(
            _("Muistio puuttuu. Lähetä tiedosto tai kirjoita teksti."), reply_markup=_cancel()
        )
        return
    if len(text) > MINUTES_TEXT_LIMIT:
        await message.answer(
            _(
                "Teksti on liian pitkä. Kirjoita enintään {limit} merkkiä, "
                "tai lähetä muistio tiedostona."
            ).format(limit=MINUTES_TEXT_LIMIT),
            reply_markup=_cancel(),
        )
        return
    await state.update_data(text=text, file_id=None)
    await _ask_checkers(message, state, session)


async def _checkers_view(
    session: AsyncSession, meeting_id: int, chosen: list[int]
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for _row, person in await participants(session, meeting_id):
        mark = "☑️" if person.id in chosen else "▫️"
        builder.button(
            text=f"{mark} {person.full_name}"[:60],
            callback_data=PersonCb(m=meeting_id, p=person.id, do="chk"),
        )
    builder.button(
        text=_("Valmis") if chosen else _("Ei tarkastajia"),
        callback_data=ActCb(m=meeting_id, do="minutes_done"),
    )
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.MINUTES))
    builder.adjust(2)
    return (
        _(
            "Valitse kaksi pöytäkirjantarkastajaa. He hyväksyvät muistion ennen "
            "julkaisua.\nJos tarkastajia ei tarvita, paina Ei tarkastajia."
        ),
        builder.as_markup(),
    )


async def _ask_checkers(message: Message, state: FSMContext, session: AsyncSession) -> None:
    await state.set_state(MinutesFlow.checkers)
    data = await state.get_data()
    text, keyboard = await _checkers_view(session, data["meeting_id"], data.get("checkers", []))
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(StateFilter(MinutesFlow.checkers), PersonCb.filter(F.do == "chk"))
async def checker_pressed(
    query: CallbackQuery,
    callback_data: PersonCb,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    data = await state.get_data()
    if meeting is None:
        return
    if meeting.id != data.get("meeting_id"):
        await query.answer(stale(), show_alert=True)
        return
    people = {row.person_id for row, _p in await participants(session, meeting.id)}
    chosen: list[int] = list(data.get("checkers", []))
    if callback_data.p not in people:
        await query.answer(stale(), show_alert=True)
        return
    if callback_data.p in chosen:
        chosen.remove(callback_data.p)
    elif len(chosen) >= MAX_CHECKERS:
        await query.answer(_("Valitse enintään kaksi tarkastajaa."), show_alert=True)
        return
    else:
        chosen.append(callback_data.p)
    await state.update_data(checkers=chosen)
    if isinstance(query.message, Message):
        text, keyboard = await _checkers_view(session, meeting.id, chosen)
        await query.message.edit_text(text, reply_markup=keyboard)
    await query.answer()


@router.callback_query(StateFilter(MinutesFlow.checkers), ActCb.filter(F.do == "minutes_done"))
async def minutes_done(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
    i18n: I18n,
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    data = await state.get_data()
    if meeting is None:
        return
    if meeting.id != data.get("meeting_id"):
        await query.answer(stale(), show_alert=True)
        return
    assert access.person_id is not None
    now = clock.now()
    file = None
    if data.get("file_id"):
        file = StoredFile(
            file_name=str(data.get("file_name") or "muistio")[:255],
            telegram_file_id=data["file_id"],
            created_at=now,
        )
        session.add(file)
        await session.flush()
    checkers = list(data.get("checkers", []))
    published = await submit_minutes(
        session,
        meeting,
        text=data.get("text"),
        file_id=file.id if file else None,
        checker_ids=checkers,
        actor_id=access.person_id,
        now=now,
    )
    await state.clear()
    await query.answer()
    if published:
        await announce_minutes(session, meeting, settings, i18n, now)
        reply = _("Muistio on julkaistu. Kaikki saavat sen.")
    else:
        await ask_checkers(session, meeting, settings, i18n, now, checkers, file)
        reply = _(
            "Muistio on lähetetty tarkastajille. Se julkaistaan, kun molemmat ovat "
            "hyväksyneet sen."
        )
    if isinstance(query.message, Message):
        await query.message.edit_text(reply)


def _approve_keyboard(meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Hyväksyn muistion"), callback_data=ActCb(m=meeting_id, do="approve"))
    return builder.as_markup()


async def ask_checkers(
    session: AsyncSession,
    meeting: Meeting,
    settings: Settings,
    i18n: I18n,
    now: datetime,
    checkers: list[int],
    file: StoredFile | None,
) -> None:
    table = await session.get(Table, meeting.table_id) if meeting.table_id else None

    def render(language: str) -> tuple[str, InlineKeyboardMarkup]:
        text = _(
            "📝 Sinut on valittu pöytäkirjantarkastajaksi: {title}\n\n"
            "Lue muistio. Jos se on kunnossa, paina Hyväksyn muistion."
        ).format(title=esc(meeting.title))
        if file is None:
            text += "\n\n" + esc(meeting.minutes_text or "")
        return text, _approve_keyboard(meeting.id)

    await send_to_meeting(
        session,
        meeting=meeting,
        table=table,
        settings=settings,
        i18n=i18n,
        now=now,
        batch=f"meeting:{meeting.id}:check:{now.timestamp():.0f}",
        render=render,
        group=False,
        person_ids=checkers,
        kind=OutboxKind.DOCUMENT if file else OutboxKind.TEXT,
        file=file,
    )


async def announce_minutes(
    session: AsyncSession, meeting: Meeting, settings: Settings, i18n: I18n, now: datetime
) -> None:
    table = await session.get(Table, meeting.table_id) if meeting.table_id else None
    batch = f"meeting:{meeting.id}:minutes"
    if meeting.minutes_file_id:
        file = await session.get(StoredFile, meeting.minutes_file_id)
        await send_to_meeting(
            session,
            meeting=meeting,
            table=table,
            settings=settings,
            i18n=i18n,
            now=now,
            batch=batch,
            kind=OutboxKind.DOCUMENT,
            file=file,
            render=lambda language: (
                _("📄 Muistio on julkaistu: {title}").format(title=esc(meeting.title)),
                None,
            ),
        )
        return
    await send_long(
        session,
        meeting=meeting,
        table=table,
        settings=settings,
        i18n=i18n,
        now=now,
        batch=batch,
        render=lambda language: (
            _("📄 Muistio on julkaistu: {title}").format(title=esc(meeting.title))
            + "\n\n"
            + esc(meeting.minutes_text or "")
        ),
    )


@router.callback_query(ActCb.filter(F.do == "approve"))
async def approve_pressed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    meeting = await session.get(Meeting, callback_data.m)
    if meeting is None or access.person_id is None:
        await query.answer(stale(), show_alert=True)
        return
    now = clock.now()
    outcome = await approve_minutes(session, meeting, access.person_id, now)
    if outcome is ApproveOutcome.NOT_CHECKER:
        await query.answer(
            _("Vain valitut tarkastajat voivat hyväksyä muistion."), show_alert=True
        )
        return
    if outcome is ApproveOutcome.NOT_WAITING:
        await query.answer(_("Muistio ei odota hyväksyntää."), show_alert=True)
        return
    if outcome is ApproveOutcome.ALREADY:
        await query.answer(_("Olet jo hyväksynyt muistion."), show_alert=True)
        return
    if outcome is ApproveOutcome.PUBLISHED:
        await announce_minutes(session, meeting, settings, i18n, now)
        await query.answer(_("Kiitos! Muistio on nyt julkaistu."))
    else:
        await query.answer(
            _("Kiitos! Muistio julkaistaan, kun toinenkin tarkastaja on hyväksynyt sen.")
        )
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
