"""The agenda: members propose items until the cut-off; organisers accept, order, edit, post."""

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
from handlers.meeting_poll import text_problem_text, time_problem_text
from handlers.meeting_views import (
    ActCb,
    ItemCb,
    agenda_plain,
    agenda_text,
    load,
    may_organise,
    send_long,
    send_to_meeting,
)
from storage.meeting_rules import (
    ITEM_TEXT_LIMIT,
    TITLE_LIMIT,
    TimeProblem,
    agenda_open,
    check_text,
    parse_time,
)
from storage.meetings import (
    AgendaItem,
    ItemStatus,
    Meeting,
    MeetingStatus,
    agenda,
    agenda_touched,
    move_item,
    propose_item,
    set_agenda_cutoff,
)
from storage.outbox import OutboxKind, StoredFile
from storage.people import Table
from storage.roles import Access
from views.callbacks import Cancel, Form, Skip
from views.text import esc, moment

router = Router(name="agenda")
router.message.filter(IsKnown())
router.callback_query.filter(IsKnown())

FILE_LIMIT = 20 * 1024 * 1024  # what a bot may download from Telegram


class ProposeItem(StatesGroup):
    title = State()
    body = State()
    attachment = State()


class AgendaCutoff(StatesGroup):
    time = State()


class EditItem(StatesGroup):
    title = State()


def _cancel_keyboard(skip: bool = False) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if skip:
        builder.button(text=_("Ohita"), callback_data=Skip(form=Form.AGENDA))
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.AGENDA))
    builder.adjust(2)
    return builder.as_markup()


def _closed_text(meeting: Meeting, settings: Settings, language: str) -> str:
    assert meeting.agenda_cutoff_at is not None
    return _(
        "Asioiden ehdotusaika päättyi {cutoff}. Ota yhteyttä puheenjohtajaan tai koordinaattoriin."
    ).format(cutoff=moment(meeting.agenda_cutoff_at, settings.zone, language))


def _still_upcoming(meeting: Meeting, now: datetime) -> bool:
    return meeting.status is not MeetingStatus.CANCELLED and (
        meeting.ends_at is None or meeting.ends_at >= now
    )


# ---- proposing -------------------------------------------------------------------------------


@router.callback_query(ActCb.filter(F.do == "propose"))
async def propose_pressed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
    i18n: I18n,
) -> None:
    meeting = await load(query, session, access, callback_data.m)
    if meeting is None:
        return
    now = clock.now()
    if not _still_upcoming(meeting, now):
        await query.answer(_("Kokous on jo pidetty tai peruttu."), show_alert=True)
        return
    if not agenda_open(meeting.agenda_cutoff_at, now) and not may_organise(access, meeting):
        await query.answer(_closed_text(meeting, settings, i18n.current_locale), show_alert=True)
        return
    await query.answer()
    await state.set_state(ProposeItem.title)
    await state.update_data(meeting_id=meeting.id)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Ehdota asiaa esityslistalle: {title}\n\nKirjoita asian otsikko.").format(
                title=esc(meeting.title)
            ),
            reply_markup=_cancel_keyboard(),
        )


@router.callback_query(Cancel.filter(F.form == Form.AGENDA))
async def propose_cancelled(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Peruttu. Mitään ei tallennettu."))


@router.message(StateFilter(ProposeItem.title), F.chat.type == "private")
async def item_title_typed(message: Message, state: FSMContext) -> None:
    problem = check_text(message.text, TITLE_LIMIT)
    if problem is not None:
        await message.answer(
            text_problem_text(problem, TITLE_LIMIT, what="item"), reply_markup=_cancel_keyboard()
        )
        return
    assert message.text is not None
    await state.update_data(title=message.text.strip())
    await state.set_state(ProposeItem.body)
    await message.answer(
        _("Kirjoita asiasta lyhyt kuvaus, tai paina Ohita."),
        reply_markup=_cancel_keyboard(skip=True),
    )


@router.message(StateFilter(ProposeItem.body), F.chat.type == "private")
async def item_body_typed(message: Message, state: FSMContext) -> None:
    problem = check_text(message.text, ITEM_TEXT_LIMIT)
    if problem is not None:
        await message.answer(
            text_problem_text(problem, ITEM_TEXT_LIMIT, what="item"),
            reply_markup=_cancel_keyboard(skip=True),
        )
        return
    assert message.text is not None
    await state.update_data(body=message.text.strip())
    await _ask_attachment(message, state)


async def _ask_attachment(message: Message, state: FSMContext) -> None:
    await state.set_state(ProposeItem.attachment)
    await message.answer(
        _("Haluatko liittää tiedoston? Lähetä se nyt, tai paina Ohita."),
        reply_markup=_cancel_keyboard(skip=True),
    )


@router.callback_query(StateFilter(ProposeItem.body), Skip.filter(F.form == Form.AGENDA))
async def body_skipped(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.update_data(body="")
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await _ask_attachment(query.message, state)


@router.message(StateFilter(ProposeItem.attachment), F.chat.type == "private", F.document)
async def attachment_sent(
    message: Message,
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
            _("Tiedosto on liian suuri. Suurin koko on 20 Mt."),
            reply_markup=_cancel_keyboard(skip=True),
        )
        return
    await _save_item(
        message,
        state,
        access,
        session,
        settings,
        clock,
        i18n,
        file_id=message.document.file_id,
        file_name=message.document.file_name or "liite",
    )


@router.message(StateFilter(ProposeItem.attachment), F.chat.type == "private")
async def attachment_not_a_file(message: Message) -> None:
    await message.answer(
        _("Lähetä liite tiedostona, tai paina Ohita."), reply_markup=_cancel_keyboard(skip=True)
    )


@router.callback_query(StateFilter(ProposeItem.attachment), Skip.filter(F.form == Form.AGENDA))
async def attachment_skipped(
    query: CallbackQuery,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await _save_item(query.message, state, access, session, settings, clock, i18n)


async def _save_item(
    message: Message,
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
    meeting = await session.get(Meeting, data.get("meeting_id", 0))
    now = clock.now()
    await state.clear()
    if (
        meeting is None
        or access.person_id is None
        or (
            meeting.table_id is not None
            and not access.belongs_to(meeting.table_id)
            and not may_organise(access, meeting)
        )
    ):
        await message.answer(_("Sinulla ei ole oikeutta tähän."))
        return
    organiser = may_organise(access, meeting)
    if not agenda_open(meeting.agenda_cutoff_at, now) and not organiser:
        await message.answer(
            _closed_text(meeting, settings, i18n.current_locale)
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


@router.callback_query(ActCb.filter(F.do == "cutoff"))
async def cutoff_pressed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    await query.answer()
    await state.set_state(AgendaCutoff.time)
    await state.update_data(meeting_id=meeting.id)
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "Mihin asti jäsenet voivat ehdottaa asioita? "
                "Kirjoita päivä ja aika, esimerkiksi "
                "<code>7.1. 16</code>."
            ),
            reply_markup=_cancel_keyboard(),
        )


@router.message(StateFilter(AgendaCutoff.time), F.chat.type == "private")
async def cutoff_typed(
    message: Message,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    meeting = await session.get(Meeting, (await state.get_data()).get("meeting_id", 0))
    if meeting is None or not may_organise(access, meeting):
        await state.clear()
        await message.answer(_("Sinulla ei ole oikeutta tähän."))
        return
    now = clock.now()
    parsed = parse_time(message.text or "", now=now, zone=settings.zone)
    if isinstance(parsed, TimeProblem):
        await message.answer(time_problem_text(parsed), reply_markup=_cancel_keyboard())
        return
    if meeting.starts_at is not None and parsed.starts_at >= meeting.starts_at:
        await message.answer(
            _("Takarajan pitää olla ennen kokouksen alkua. Valitse aikaisempi aika."),
            reply_markup=_cancel_keyboard(),
        )
        return
    await set_agenda_cutoff(session, meeting, parsed.starts_at, now)
    await state.clear()
    await message.answer(
        _("Valmis. Asioita voi ehdottaa {cutoff} asti.").format(
            cutoff=moment(parsed.starts_at, settings.zone, i18n.current_locale)
        )
    )


# ---- organising the agenda -------------------------------------------------------------------


async def organiser_view(
    session: AsyncSession,
    meeting: Meeting,
) -> tuple[str, InlineKeyboardMarkup]:
    accepted = await agenda(session, meeting.id)
    proposed = await agenda(session, meeting.id, (ItemStatus.PROPOSED,))
    lines = [_("🗂 <b>Esityslista: {title}</b>").format(title=esc(meeting.title))]
    builder = InlineKeyboardBuilder()
    sizes: list[int] = []
    if accepted:
        lines.append(_("Listalla:"))
    for number, item in enumerate(accepted, start=1):
        lines.append(f"{number}. {esc(item.title)}")
        builder.button(text=f"↑ {number}", callback_data=ItemCb(i=item.id, do="up"))
        builder.button(text=f"↓ {number}", callback_data=ItemCb(i=item.id, do="down"))
        builder.button(
            text=_("Muokkaa {number}").format(number=number),
            callback_data=ItemCb(i=item.id, do="edit"),
        )
        builder.button(
            text=_("Poista {number}").format(number=number),
            callback_data=ItemCb(i=item.id, do="rej"),
        )
        sizes.append(4)
    if proposed:
        lines.append("\n" + _("Ehdotukset:"))
    for number, item in enumerate(proposed, start=1):
        label = f"E{number}"
        body = f"\n   {esc(item.body)}" if item.body else ""
        lines.append(f"{label}. {esc(item.title)}{body}")
        builder.button(
            text=_("Hyväksy {label}").format(label=label),
            callback_data=ItemCb(i=item.id, do="acc"),
        )
        builder.button(
            text=_("Hylkää {label}").format(label=label), callback_data=ItemCb(i=item.id, do="rej")
        )
        sizes.append(2)
    if not accepted and not proposed:
        lines.append(_("Esityslistalla ei ole vielä asioita."))
    builder.button(text=_("✍️ Lisää asia"), callback_data=ActCb(m=meeting.id, do="propose"))
    if meeting.agenda_posted_at is None:
        builder.button(
            text=_("📣 Julkaise esityslista"), callback_data=ActCb(m=meeting.id, do="publish")
        )
    elif meeting.agenda_changed:
        builder.button(
            text=_("📣 Lähetä muutokset"), callback_data=ActCb(m=meeting.id, do="publish")
        )
    else:
        lines.append("\n" + _("Esityslista on julkaistu."))
    sizes.append(2)
    builder.adjust(*sizes)
    return "\n".join(lines), builder.as_markup()


@router.callback_query(ActCb.filter(F.do == "edit"))
async def edit_pressed(
    query: CallbackQuery, callback_data: ActCb, access: Access, session: AsyncSession
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    await query.answer()
    if isinstance(query.message, Message):
        text, keyboard = await organiser_view(session, meeting)
        await query.message.answer(text, reply_markup=keyboard)


@router.callback_query(ItemCb.filter(F.do.in_({"acc", "rej", "up", "down"})))
async def item_pressed(
    query: CallbackQuery, callback_data: ItemCb, access: Access, session: AsyncSession
) -> None:
    item = await session.get(AgendaItem, callback_data.i)
    meeting = await session.get(Meeting, item.meeting_id) if item else None
    if item is None or meeting is None:
        await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
        return
    if not may_organise(access, meeting):
        await query.answer(_("Sinulla ei ole oikeutta tähän."), show_alert=True)
        return
    if callback_data.do == "acc" and item.status is ItemStatus.PROPOSED:
        item.status = ItemStatus.ACCEPTED
        accepted = await agenda(session, meeting.id)
        item.position = max((i.position for i in accepted if i.id != item.id), default=0) + 1
        agenda_touched(meeting)
    elif callback_data.do == "rej" and item.status is not ItemStatus.REJECTED:
        was_listed = item.status is ItemStatus.ACCEPTED
        item.status = ItemStatus.REJECTED
        if was_listed:
            agenda_touched(meeting)
    elif callback_data.do in {"up", "down"} and item.status is ItemStatus.ACCEPTED:
        if not await move_item(session, meeting, item, -1 if callback_data.do == "up" else 1):
            await query.answer(_("Asia on jo reunassa."))
            return
    else:
        await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
        return
    await session.flush()
    if isinstance(query.message, Message):
        text, keyboard = await organiser_view(session, meeting)
        await query.message.edit_text(text, reply_markup=keyboard)
    await query.answer(_("Tallennettu."))


@router.callback_query(ItemCb.filter(F.do == "edit"))
async def item_edit_pressed(
    query: CallbackQuery,
    callback_data: ItemCb,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    item = await session.get(AgendaItem, callback_data.i)
    meeting = await session.get(Meeting, item.meeting_id) if item else None
    if item is None or meeting is None:
        await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
        return
    if not may_organise(access, meeting):
        await query.answer(_("Sinulla ei ole oikeutta tähän."), show_alert=True)
        return
    await query.answer()
    await state.set_state(EditItem.title)
    await state.update_data(item_id=item.id)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Nyt: {title}\n\nKirjoita uusi otsikko.").format(title=esc(item.title)),
            reply_markup=_cancel_keyboard(),
        )


@router.message(StateFilter(EditItem.title), F.chat.type == "private")
async def item_title_edited(
    message: Message, state: FSMContext, access: Access, session: AsyncSession
) -> None:
    item = await session.get(AgendaItem, (await state.get_data()).get("item_id", 0))
    meeting = await session.get(Meeting, item.meeting_id) if item else None
    if item is None or meeting is None or not may_organise(access, meeting):
        await state.clear()
        await message.answer(_("Sinulla ei ole oikeutta tähän."))
        return
    problem = check_text(message.text, TITLE_LIMIT)
    if problem is not None:
        await message.answer(
            text_problem_text(problem, TITLE_LIMIT, what="item"), reply_markup=_cancel_keyboard()
        )
        return
    assert message.text is not None
    item.title = message.text.strip()
    if item.status is ItemStatus.ACCEPTED:
        agenda_touched(meeting)
    await state.clear()
    text, keyboard = await organiser_view(session, meeting)
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(ActCb.filter(F.do == "publish"))
async def publish_pressed(
    query: CallbackQuery,
    callback_data: ActCb,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    meeting = await load(query, session, access, callback_data.m, organiser=True)
    if meeting is None:
        return
    changed = meeting.agenda_posted_at is not None
    if changed and not meeting.agenda_changed:
        await query.answer(
            _("Esityslista on jo julkaistu, eikä siihen ole tullut muutoksia."), show_alert=True
        )
        return
    now = clock.now()
    await publish_agenda(session, meeting, settings, i18n, now, changed=changed)
    await query.answer(_("Esityslista on lähetetty."))
    if isinstance(query.message, Message):
        text, keyboard = await organiser_view(session, meeting)
        await query.message.edit_text(text, reply_markup=keyboard)


async def publish_agenda(
    session: AsyncSession,
    meeting: Meeting,
    settings: Settings,
    i18n: I18n,
    now: datetime,
    *,
    changed: bool,
) -> None:
    """Post the agenda once per version: split into messages, pinned, and as a document."""
    table = await session.get(Table, meeting.table_id) if meeting.table_id else None
    items = await agenda(session, meeting.id)
    batch = f"meeting:{meeting.id}:agenda:{meeting.agenda_version}"
    await send_long(
        session,
        meeting=meeting,
        table=table,
        settings=settings,
        i18n=i18n,
        now=now,
        batch=batch,
        pin=True,
        render=lambda language: agenda_text(
            meeting, table, items, settings.zone, language, changed=changed
        ),
    )
    with i18n.use_locale(settings.default_language):
        content = agenda_plain(meeting, table, items, settings.zone, settings.default_language)
    file = StoredFile(
        file_name=f"esityslista-{meeting.id}.txt",
        mime_type="text/plain",
        content=content,
        created_at=now,
    )
    session.add(file)
    await session.flush()
    await send_to_meeting(
        session,
        meeting=meeting,
        table=table,
        settings=settings,
        i18n=i18n,
        now=now,
        batch=f"{batch}:doc",
        kind=OutboxKind.DOCUMENT,
        file=file,
        render=lambda language: (_("Esityslista tiedostona."), None),
    )
    meeting.agenda_posted_at = now
    meeting.agenda_changed = False
