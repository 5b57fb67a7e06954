"""Making a meeting time poll, step by step with buttons (and typed Finnish dates)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

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
from handlers.filters import IsOrganizer
from handlers.meeting_views import (
    KIND_NAMES,
    NewCb,
    poll_keyboard,
    poll_text,
    record_poll_posts,
    send_to_meeting,
    span,
)
from storage.meeting_rules import (
    MAX_SLOTS,
    MIN_SLOTS,
    PLACE_LIMIT,
    TITLE_LIMIT,
    DeadlineProblem,
    MeetingKind,
    Slot,
    TextProblem,
    TimeProblem,
    check_deadline,
    check_text,
    parse_time,
    slot_from_picker,
)
from storage.meetings import create_poll, invitee_ids, poll_state
from storage.people import Table, tables_in_order
from storage.roles import Access
from views.callbacks import Cancel, Form
from views.text import day, esc, moment

router = Router(name="meeting_poll")
router.message.filter(F.chat.type == "private", IsOrganizer())
router.callback_query.filter(IsOrganizer())

JOINT = 0  # "table" id of the chairs' joint meeting
PICKER_DAYS = 14
PICKER_HOURS = range(8, 22)


class NewMeeting(StatesGroup):
    title = State()
    kind = State()
    place = State()
    times = State()
    deadline = State()
    confirm = State()


def cancel_row(builder: InlineKeyboardBuilder) -> None:
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.MEETING))


def cancel_only() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    cancel_row(builder)
    return builder.as_markup()


def time_problem_text(problem: TimeProblem) -> str:
    return {
        TimeProblem.FORMAT: _(
            "En ymmärtänyt aikaa. Kirjoita esimerkiksi 14.1. 17-19 tai ti 14.1.2026 klo 17.00."
        ),
        TimeProblem.IMPOSSIBLE: _(
            "Tätä päivää tai kellonaikaa ei ole. Tarkista ja kirjoita uudelleen."
        ),
        TimeProblem.WEEKDAY: _("Viikonpäivä ei sovi päivämäärään. Tarkista päivä."),
        TimeProblem.END_BEFORE_START: _("Loppuaika on ennen alkuaikaa. Tarkista kellonajat."),
        TimeProblem.PAST: _("Päivä on jo mennyt. Valitse tuleva päivä."),
    }[problem]


def text_problem_text(problem: TextProblem, limit: int, *, what: str) -> str:
    if problem is TextProblem.EMPTY:
        return {
            "title": _("Nimi puuttuu. Kirjoita kokoukselle nimi."),
            "place": _("Paikka puuttuu. Kirjoita paikka tai verkkolinkki."),
        }.get(what, _("Teksti puuttuu. Kirjoita teksti."))
    return _("Teksti on liian pitkä. Kirjoita enintään {limit} merkkiä.").format(limit=limit)


def _slots(data: dict[str, Any]) -> list[Slot]:
    return [
        Slot(datetime.fromisoformat(a), datetime.fromisoformat(b))
        for a, b in data.get("slots", [])
    ]


def _store(slots: list[Slot]) -> list[list[str]]:
    return [
        [s.starts_at.isoformat(), s.ends_at.isoformat()]
        for s in sorted(slots, key=lambda s: s.starts_at)
    ]


# ---- start --------------------------------------------------------------------------------


async def start_new(
    message: Message, access: Access, session: AsyncSession, state: FSMContext, i18n: I18n
) -> None:
    """Ask for the table (if more than one), then the title."""
    await state.clear()
    tables = [t for t in await tables_in_order(session) if access.leads(t.id)]
    builder = InlineKeyboardBuilder()
    for table in tables:
        builder.button(
            text=table.name(i18n.current_locale), callback_data=NewCb(do="table", v=str(table.id))
        )
    if access.is_lead:
        builder.button(
            text=str(KIND_NAMES[MeetingKind.CHAIRS]), callback_data=NewCb(do="table", v=str(JOINT))
        )
    if len(tables) == 1 and not access.is_lead:
        await _ask_title(message, state, tables[0].id)
        return
    cancel_row(builder)
    builder.adjust(1)
    await message.answer(
        _("Uusi kokousaikakysely.\n\nMinkä pöydän kokous?"), reply_markup=builder.as_markup()
    )


async def _ask_title(message: Message, state: FSMContext, table_id: int) -> None:
    await state.set_state(NewMeeting.title)
    await state.update_data(table_id=table_id, slots=[])
    await message.answer(
        _("Kirjoita kokouksen nimi.\nEsimerkki: Syyskauden kokous"), reply_markup=cancel_only()
    )


@router.callback_query(NewCb.filter(F.do == "start"))
async def start_button(
    query: CallbackQuery, access: Access, session: AsyncSession, state: FSMContext, i18n: I18n
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await start_new(query.message, access, session, state, i18n)


def _may_create(access: Access, table_id: int) -> bool:
    return access.is_lead if table_id == JOINT else access.leads(table_id)


@router.callback_query(NewCb.filter(F.do == "table"))
async def table_chosen(
    query: CallbackQuery,
    callback_data: NewCb,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    table_id = int(callback_data.v) if callback_data.v.isdigit() else -1
    exists = table_id == JOINT or await session.get(Table, table_id) is not None
    if not exists or not _may_create(access, table_id):
        await query.answer(_("Sinulla ei ole oikeutta tähän."), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await _ask_title(query.message, state, table_id)


@router.callback_query(Cancel.filter(F.form == Form.MEETING))
async def cancelled(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Peruttu. Mitään ei tallennettu."))


# ---- title, kind, place -----------------------------------------------------------------


@router.message(StateFilter(NewMeeting.title))
async def title_typed(message: Message, state: FSMContext) -> None:
    problem = check_text(message.text, TITLE_LIMIT)
    if problem is not None:
        await message.answer(
            text_problem_text(problem, TITLE_LIMIT, what="title"), reply_markup=cancel_only()
        )
        return
    assert message.text is not None
    await state.update_data(title=message.text.strip())
    data = await state.get_data()
    if data["table_id"] == JOINT:
        await state.update_data(kind=MeetingKind.CHAIRS.value)
        await _ask_place(message, state)
        return
    await state.set_state(NewMeeting.kind)
    builder = InlineKeyboardBuilder()
    for kind in (MeetingKind.REGULAR, MeetingKind.PLANNING, MeetingKind.RESIDENT_EVENT):
        builder.button(text=str(KIND_NAMES[kind]), callback_data=NewCb(do="kind", v=kind.value))
    cancel_row(builder)
    builder.adjust(1)
    await message.answer(_("Millainen kokous on?"), reply_markup=builder.as_markup())


@router.callback_query(StateFilter(NewMeeting.kind), NewCb.filter(F.do == "kind"))
async def kind_chosen(query: CallbackQuery, callback_data: NewCb, state: FSMContext) -> None:
    if callback_data.v not in {k.value for k in MeetingKind} or (
        callback_data.v == MeetingKind.CHAIRS.value
    ):
        await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
        return
    await query.answer()
    await state.update_data(kind=callback_data.v)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await _ask_place(query.message, state)


async def _ask_place(message: Message, state: FSMContext) -> None:
    await state.set_state(NewMeeting.place)
    await message.answer(
        _("Missä kokous on? Kirjoita paikka tai verkkolinkki."), reply_markup=cancel_only()
    )


@router.message(StateFilter(NewMeeting.place))
async def place_typed(
    message: Message, state: FSMContext, settings: Settings, clock: Clock, i18n: I18n
) -> None:
    problem = check_text(message.text, PLACE_LIMIT)
    if problem is not None:
        await message.answer(
            text_problem_text(problem, PLACE_LIMIT, what="place"), reply_markup=cancel_only()
        )
        return
    assert message.text is not None
    await state.update_data(place=message.text.strip())
    await state.set_state(NewMeeting.times)
    await _show_times(message, state, settings, clock, i18n.current_locale)


# ---- candidate times ------------------------------------------------------------------------


def _times_keyboard(today: date, offset: int, language: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for number in range(PICKER_DAYS):
        value = today + timedelta(days=offset + number)
        builder.button(
            text=day(value, language), callback_data=NewCb(do="day", v=value.isoformat())
        )
    sizes = [3] * (PICKER_DAYS // 3) + ([PICKER_DAYS % 3] if PICKER_DAYS % 3 else [])
    if offset > 0:
        builder.button(
            text=_("◀ Aiemmat"), callback_data=NewCb(do="days", v=str(offset - PICKER_DAYS))
        )
    builder.button(
        text=_("Myöhemmät ▶"), callback_data=NewCb(do="days", v=str(offset + PICKER_DAYS))
    )
    sizes.append(2 if offset > 0 else 1)
    builder.button(text=_("Valmis"), callback_data=NewCb(do="done"))
    cancel_row(builder)
    sizes.append(2)
    builder.adjust(*sizes)
    return builder.as_markup()


def _times_list(slots: list[Slot], settings: Settings, language: str) -> str:
    if not slots:
        return _("Aikoja ei ole vielä lisätty.")
    return "\n".join(
        f"{n}. {span(s.starts_at, s.ends_at, settings.zone, language)}"
        for n, s in enumerate(slots, start=1)
    )


async def _show_times(
    message: Message,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    language: str,
    offset: int = 0,
    edit: bool = False,
) -> None:
    slots = _slots(await state.get_data())
    text = (
        _(
            "Lisää 2–20 aikavaihtoehtoa.\n\nKirjoita aika, esimerkiksi "
            "<code>14.1. 17-19</code> tai <code>ti 14.1.2026 klo 17.00</code>. "
            "Voit kirjoittaa monta aikaa, yksi kullekin riville.\n"
            "Tai valitse päivä napista."
        )
        + "\n\n"
        + _("Ajat nyt:")
        + "\n"
        + _times_list(slots, settings, language)
    )
    today = clock.now().astimezone(settings.zone).date()
    keyboard = _times_keyboard(today, offset, language)
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)


@router.message(StateFilter(NewMeeting.times))
async def times_typed(
    message: Message, state: FSMContext, settings: Settings, clock: Clock, i18n: I18n
) -> None:
    lines = [line for line in (message.text or "").splitlines() if line.strip()] or [""]
    slots = _slots(await state.get_data())
    now = clock.now()
    added: list[Slot] = []
    for line in lines:
        parsed = parse_time(line, now=now, zone=settings.zone)
        if isinstance(parsed, TimeProblem):
            await message.answer(time_problem_text(parsed), reply_markup=cancel_only())
            return
        if parsed not in slots and parsed not in added:
            added.append(parsed)
    if len(slots) + len(added) > MAX_SLOTS:
        await message.answer(
            _("Voit lisätä enintään 20 aikaa. Nyt aikoja olisi {count}.").format(
                count=len(slots) + len(added)
            ),
            reply_markup=cancel_only(),
        )
        return
    await state.update_data(slots=_store(slots + added))
    await _show_times(message, state, settings, clock, i18n.current_locale)


@router.callback_query(StateFilter(NewMeeting.times), NewCb.filter(F.do == "days"))
async def days_page(
    query: CallbackQuery,
    callback_data: NewCb,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    offset = int(callback_data.v) if callback_data.v.isdigit() else 0
    await query.answer()
    if isinstance(query.message, Message):
        await _show_times(
            query.message,
            state,
            settings,
            clock,
            i18n.current_locale,
            offset=min(offset, 365),
            edit=True,
        )


@router.callback_query(StateFilter(NewMeeting.times), NewCb.filter(F.do == "day"))
async def day_chosen(query: CallbackQuery, callback_data: NewCb, i18n: I18n) -> None:
    try:
        chosen = date.fromisoformat(callback_data.v)
    except ValueError:
        await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    for hour in PICKER_HOURS:
        builder.button(
            text=f"{hour:02d}.00",
            callback_data=NewCb(do="hour", v=f"{chosen.isoformat()}T{hour:02d}"),
        )
    builder.button(text=_("Takaisin"), callback_data=NewCb(do="days", v="0"))
    cancel_row(builder)
    builder.adjust(*([4] * (len(PICKER_HOURS) // 4)), len(PICKER_HOURS) % 4 or 4, 2)
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("{day}: mihin aikaan kokous alkaa? Kokous kestää 2 tuntia.").format(
                day=day(chosen, i18n.current_locale)
            ),
            reply_markup=builder.as_markup(),
        )


@router.callback_query(StateFilter(NewMeeting.times), NewCb.filter(F.do == "hour"))
async def hour_chosen(
    query: CallbackQuery,
    callback_data: NewCb,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    try:
        chosen = datetime.fromisoformat(callback_data.v + ":00")
    except ValueError:
        await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
        return
    slot = slot_from_picker(chosen.date(), chosen.hour, 0, now=clock.now(), zone=settings.zone)
    if isinstance(slot, TimeProblem):
        await query.answer(time_problem_text(slot), show_alert=True)
        return
    slots = _slots(await state.get_data())
    if slot in slots:
        await query.answer(_("Tämä aika on jo listalla."), show_alert=True)
        return
    if len(slots) >= MAX_SLOTS:
        await query.answer(_("Voit lisätä enintään 20 aikaa."), show_alert=True)
        return
    await state.update_data(slots=_store([*slots, slot]))
    await query.answer(_("Aika lisätty."))
    if isinstance(query.message, Message):
        await _show_times(query.message, state, settings, clock, i18n.current_locale, edit=True)


@router.callback_query(StateFilter(NewMeeting.times), NewCb.filter(F.do == "done"))
async def times_done(
    query: CallbackQuery, state: FSMContext, settings: Settings, clock: Clock, i18n: I18n
) -> None:
    slots = _slots(await state.get_data())
    if len(slots) < MIN_SLOTS:
        await query.answer(_("Lisää vähintään kaksi aikaa."), show_alert=True)
        return
    await query.answer()
    await state.set_state(NewMeeting.deadline)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(
            _(
                "Milloin vastausaika päättyy? Sen jälkeen vastauksia ei voi enää muuttaa.\n\n"
                "Kirjoita päivä ja aika, esimerkiksi <code>10.1. 16</code>, "
                "tai valitse napista."
            ),
            reply_markup=_deadline_keyboard(slots, settings, clock, i18n.current_locale),
        )


def _deadline_keyboard(
    slots: list[Slot], settings: Settings, clock: Clock, language: str
) -> InlineKeyboardMarkup:
    now = clock.now()
    first = min(s.starts_at for s in slots)
    today = now.astimezone(settings.zone).date()
    builder = InlineKeyboardBuilder()
    for days in (1, 2, 3, 7):
        option = slot_from_picker(today + timedelta(days=days), 16, 0, now=now, zone=settings.zone)
        if (
            isinstance(option, Slot)
            and check_deadline(option.starts_at, now=now, first_start=first) is None
        ):
            builder.button(
                text=moment(option.starts_at, settings.zone, language),
                callback_data=NewCb(do="dl", v=option.starts_at.strftime("%Y%m%dT%H%M")),
            )
    cancel_row(builder)
    builder.adjust(1)
    return builder.as_markup()


def deadline_problem_text(problem: DeadlineProblem) -> str:
    if problem is DeadlineProblem.PAST:
        return _("Päivä on jo mennyt. Valitse tuleva päivä.")
    return _(
        "Vastausajan pitää päättyä ennen ensimmäistä aikavaihtoehtoa. Valitse aikaisempi päivä."
    )


async def _deadline_chosen(
    message: Message,
    deadline: datetime,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    language: str,
) -> str | None:
    data = await state.get_data()
    slots = _slots(data)
    problem = check_deadline(
        deadline, now=clock.now(), first_start=min(s.starts_at for s in slots)
    )
    if problem is not None:
        return deadline_problem_text(problem)
    await state.update_data(deadline=deadline.isoformat())
    await state.set_state(NewMeeting.confirm)
    zone = settings.zone
    summary = _(
        "Tarkista kysely:\n\n<b>{title}</b>\n{kind}\nPaikka: {place}\n"
        "Vastausaika päättyy {deadline}.\n\nAjat:\n{times}"
    ).format(
        title=esc(data["title"]),
        kind=KIND_NAMES[MeetingKind(data["kind"])],
        place=esc(data["place"]),
        deadline=moment(deadline, zone, language),
        times=_times_list(slots, settings, language),
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Lähetä kysely"), callback_data=NewCb(do="send"))
    cancel_row(builder)
    builder.adjust(1)
    await message.answer(summary, reply_markup=builder.as_markup())
    return None


@router.message(StateFilter(NewMeeting.deadline))
async def deadline_typed(
    message: Message, state: FSMContext, settings: Settings, clock: Clock, i18n: I18n
) -> None:
    parsed = parse_time(message.text or "", now=clock.now(), zone=settings.zone)
    if isinstance(parsed, TimeProblem):
        await message.answer(time_problem_text(parsed), reply_markup=cancel_only())
        return
    problem = await _deadline_chosen(
        message, parsed.starts_at, state, settings, clock, i18n.current_locale
    )
    if problem is not None:
        await message.answer(problem, reply_markup=cancel_only())


@router.callback_query(StateFilter(NewMeeting.deadline), NewCb.filter(F.do == "dl"))
async def deadline_pressed(
    query: CallbackQuery,
    callback_data: NewCb,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    try:
        deadline = datetime.strptime(callback_data.v + "+0000", "%Y%m%dT%H%M%z")
    except ValueError:
        await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
        return
    if not isinstance(query.message, Message):
        await query.answer()
        return
    problem = await _deadline_chosen(
        query.message, deadline, state, settings, clock, i18n.current_locale
    )
    await query.answer(problem or None, show_alert=problem is not None)


# ---- send -------------------------------------------------------------------------------


@router.callback_query(StateFilter(NewMeeting.confirm), NewCb.filter(F.do == "send"))
async def send_poll(
    query: CallbackQuery,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    data = await state.get_data()
    table_id = int(data["table_id"])
    if not _may_create(access, table_id) or access.person_id is None:
        await state.clear()
        await query.answer(_("Sinulla ei ole oikeutta tähän."), show_alert=True)
        return
    now = clock.now()
    slots = _slots(data)
    deadline = datetime.fromisoformat(data["deadline"])
    problem = check_deadline(deadline, now=now, first_start=min(s.starts_at for s in slots))
    if problem is not None:
        await query.answer(deadline_problem_text(problem), show_alert=True)
        return
    real_table = None if table_id == JOINT else await session.get(Table, table_id)
    invitees = await invitee_ids(
        session, real_table.id if real_table else None, now.astimezone(settings.zone).date()
    )
    meeting = await create_poll(
        session,
        table_id=real_table.id if real_table else None,
        kind=MeetingKind(data["kind"]),
        title=data["title"],
        place=data["place"],
        slots=slots,
        deadline=deadline,
        invitees=invitees,
        created_by=access.person_id,
        now=now,
    )
    await state.clear()
    state_now = await poll_state(session, meeting.id)

    def render(language: str) -> tuple[str, InlineKeyboardMarkup | None]:
        return (
            poll_text(meeting, real_table, state_now, len(invitees), settings.zone, language),
            poll_keyboard(meeting, state_now.slots),
        )

    rows = await send_to_meeting(
        session,
        meeting=meeting,
        table=real_table,
        settings=settings,
        i18n=i18n,
        now=now,
        batch=f"meeting:{meeting.id}:poll",
        render=render,
    )
    await record_poll_posts(session, meeting, rows, settings)
    await query.answer()
    people = sum(1 for r in rows if not r.is_group)
    in_group = any(r.is_group for r in rows)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        text = _("Kysely on lähetetty {count} jäsenelle.").format(count=people)
        if in_group:
            text += " " + _("Se näkyy myös pöydän ryhmässä.")
        text += "\n" + _("Näet vastaukset komennolla /kokoukset.")
        await query.message.answer(text)
