"""/reminders (/muistutukset): a person turns reminder kinds off, picks a digest, quiet hours."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from handlers.filters import IsMember
from handlers.routing import command
from storage.audit import record
from storage.people import Person, Table, tables_in_order
from storage.reminder_rules import ReminderKind
from storage.reminders import (
    ReminderPreference,
    offsets_for,
    preference_row,
    reschedule_table_meetings,
    set_meeting_offsets,
)
from storage.roles import Access
from views.callbacks import Menu, MenuItem
from views.text import esc


class RemToggle(CallbackData, prefix="rmk"):
    group: str


class RemDigest(CallbackData, prefix="rmd"):
    on: bool


class RemQuietMenu(CallbackData, prefix="rmq"):
    pass


class RemQuiet(CallbackData, prefix="rmh"):
    choice: str


class RemBack(CallbackData, prefix="rmb"):
    pass


class RemTables(CallbackData, prefix="rmt"):
    pass


class RemTableOffsets(CallbackData, prefix="rmo"):
    table_id: int


class RemSetOffsets(CallbackData, prefix="rms"):
    table_id: int
    preset: str


router = Router(name="reminders")
router.message.filter(F.chat.type == "private", IsMember())
router.callback_query.filter(IsMember())

# Kinds a person switches together: the buttons speak of everyday things, not of row kinds.
GROUPS: dict[str, tuple[ReminderKind, ...]] = {
    "meet": (ReminderKind.MEETING,),
    "poll": (ReminderKind.MEETING_POLL, ReminderKind.VOTE),
    "agenda": (ReminderKind.AGENDA_CUTOFF,),
    "stmt": (ReminderKind.STATEMENT_CITY, ReminderKind.STATEMENT_INTERNAL),
    "min": (ReminderKind.MINUTES_APPROVAL,),
    "term": (ReminderKind.TERM_ENDING,),
}
GROUP_LABELS: dict[str, LazyProxy] = {
    "meet": __("Kokoukset"),
    "poll": __("Kyselyt ja äänestykset"),
    "agenda": __("Esityslista"),
    "stmt": __("Lausunnot"),
    "min": __("Pöytäkirjan tarkastus"),
    "term": __("Toimikauden loppu"),
}
# Only coordinators get term-ending reminders, so only they see that switch.
COORDINATOR_GROUPS = frozenset({"term"})
QUIET_CHOICES: dict[str, tuple[int | None, int | None]] = {
    "21-8": (21, 8),
    "22-7": (22, 7),
    "20-9": (20, 9),
    "23-6": (23, 6),
    "off": (None, None),
}


DAY = 24 * 60
# A table's meeting reminders, in minutes before the meeting; the first is the default.
OFFSET_PRESETS: dict[str, tuple[int, ...]] = {
    "7d1d2h": (7 * DAY, DAY, 120),
    "3d1d2h": (3 * DAY, DAY, 120),
    "1d2h": (DAY, 120),
    "7d1d": (7 * DAY, DAY),
    "2d": (2 * DAY,),
}


def offsets_label(offsets: tuple[int, ...]) -> str:
    parts = [
        _("{days} pv").format(days=o // DAY)
        if o % DAY == 0
        else _("{hours} h").format(hours=o // 60)
        for o in offsets
    ]
    return _("{times} ennen").format(times=", ".join(parts))


def _groups_for(access: Access) -> list[str]:
    return [g for g in GROUPS if g not in COORDINATOR_GROUPS or access.is_coordinator]


def _is_on(prefs: ReminderPreference, group: str) -> bool:
    return not any(kind.value in (prefs.kinds_off or ()) for kind in GROUPS[group])


def _quiet_label(prefs: ReminderPreference) -> str:
    if prefs.quiet_start is None or prefs.quiet_end is None:
        return _("ei käytössä")
    return _("{start}.00–{end}.00").format(
        start=f"{prefs.quiet_start:02d}", end=f"{prefs.quiet_end:02d}"
    )


def settings_text(prefs: ReminderPreference, access: Access) -> str:
    lines = [
        _("<b>Muistutukset</b>"),
        "",
        _("Paina nappia, niin muistutus menee päälle tai pois."),
        _("✅ = saat muistutuksen. 🔕 = et saa."),
        "",
    ]
    lines += [
        f"{'✅' if _is_on(prefs, g) else '🔕'} {GROUP_LABELS[g]}" for g in _groups_for(access)
    ]
    lines.append("")
    if prefs.digest:
        lines.append(
            _("Päivän kooste on päällä. Saat muistutukset kerran päivässä yhtenä viestinä.")
        )
    else:
        lines.append(_("Päivän kooste on pois. Saat jokaisen muistutuksen omana viestinä."))
    lines.append(
        _("Hiljainen aika: {hours}. Silloin saat vain saman päivän kokousmuistutukset.").format(
            hours=_quiet_label(prefs)
        )
    )
    return "\n".join(lines)


def settings_keyboard(prefs: ReminderPreference, access: Access) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    groups = _groups_for(access)
    for group in groups:
        mark = "✅" if _is_on(prefs, group) else "🔕"
        builder.button(text=f"{mark} {GROUP_LABELS[group]}", callback_data=RemToggle(group=group))
    builder.button(
        text=_("📰 Päivän kooste: päällä") if prefs.digest else _("📰 Päivän kooste: pois"),
        callback_data=RemDigest(on=not prefs.digest),
    )
    builder.button(
        text=_("🌙 Hiljainen aika: {hours}").format(hours=_quiet_label(prefs)),
        callback_data=RemQuietMenu(),
    )
    extra = []
    if access.is_coordinator:
        builder.button(text=_("⚙️ Pöydän kokousmuistutukset"), callback_data=RemTables())
        extra.append(1)
    builder.adjust(*([2] * (len(groups) // 2)), *([1] * (len(groups) % 2)), 1, 1, *extra)
    return builder.as_markup()


def quiet_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice, (start, end) in QUIET_CHOICES.items():
        label = (
            _("Ei hiljaista aikaa")
            if start is None
            else _("{start}.00–{end}.00").format(start=f"{start:02d}", end=f"{end:02d}")
        )
        builder.button(text=label, callback_data=RemQuiet(choice=choice))
    builder.button(text=_("Takaisin"), callback_data=RemBack())
    builder.adjust(2, 2, 1, 1)
    return builder.as_markup()


async def _show(
    message: Message, prefs: ReminderPreference, access: Access, *, edit: bool
) -> None:
    text, markup = settings_text(prefs, access), settings_keyboard(prefs, access)
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)


@router.message(command("reminders"))
async def reminders_command(
    message: Message, person: Person, access: Access, session: AsyncSession
) -> None:
    await _show(
        message, await preference_row(session, person.id, create=False), access, edit=False
    )


@router.callback_query(MenuItem.filter(F.item == Menu.REMINDERS))
async def reminders_button(
    query: CallbackQuery, person: Person, access: Access, session: AsyncSession
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _show(
            query.message,
            await preference_row(session, person.id, create=False),
            access,
            edit=False,
        )


@router.callback_query(RemToggle.filter())
async def toggle_group(
    query: CallbackQuery,
    callback_data: RemToggle,
    person: Person,
    access: Access,
    session: AsyncSession,
) -> None:
    if callback_data.group not in _groups_for(access):
        await query.answer(_("Tämä nappi ei ole enää käytössä."), show_alert=True)
        return
    prefs = await preference_row(session, person.id)
    kinds = {kind.value for kind in GROUPS[callback_data.group]}
    current = set(prefs.kinds_off or ())
    turning_off = _is_on(prefs, callback_data.group)
    prefs.kinds_off = sorted(current | kinds if turning_off else current - kinds)
    label = GROUP_LABELS[callback_data.group]
    # The message changes first, so the answer arrives when the new buttons are in place.
    if isinstance(query.message, Message):
        await _show(query.message, prefs, access, edit=True)
    await query.answer(
        _("{what}: muistutukset pois.").format(what=label)
        if turning_off
        else _("{what}: muistutukset päällä.").format(what=label)
    )


@router.callback_query(RemDigest.filter())
async def set_digest(
    query: CallbackQuery,
    callback_data: RemDigest,
    person: Person,
    access: Access,
    session: AsyncSession,
) -> None:
    prefs = await preference_row(session, person.id)
    prefs.digest = callback_data.on
    if isinstance(query.message, Message):
        await _show(query.message, prefs, access, edit=True)
    await query.answer(_("Päivän kooste päällä.") if prefs.digest else _("Päivän kooste pois."))


@router.callback_query(RemQuietMenu.filter())
async def quiet_menu(query: CallbackQuery) -> None:
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _(
                "Valitse hiljainen aika. Silloin et saa muistutuksia, "
                "paitsi saman päivän kokouksista."
            ),
            reply_markup=quiet_keyboard(),
        )
    await query.answer()


@router.callback_query(RemQuiet.filter())
async def set_quiet(
    query: CallbackQuery,
    callback_data: RemQuiet,
    person: Person,
    access: Access,
    session: AsyncSession,
) -> None:
    choice = QUIET_CHOICES.get(callback_data.choice)
    if choice is None:
        await query.answer(_("Tämä nappi ei ole enää käytössä."), show_alert=True)
        return
    prefs = await preference_row(session, person.id)
    prefs.quiet_start, prefs.quiet_end = choice
    if isinstance(query.message, Message):
        await _show(query.message, prefs, access, edit=True)
    await query.answer(_("Hiljainen aika: {hours}.").format(hours=_quiet_label(prefs)))


@router.callback_query(RemBack.filter())
async def back(
    query: CallbackQuery, person: Person, access: Access, session: AsyncSession
) -> None:
    if isinstance(query.message, Message):
        await _show(
            query.message,
            await preference_row(session, person.id, create=False),
            access,
            edit=True,
        )
    await query.answer()


# ---- a coordinator sets when the table's meeting reminders come ------------------------------


async def _coordinated(session: AsyncSession, access: Access) -> list[Table]:
    return [t for t in await tables_in_order(session) if access.coordinates(t.id)]


@router.callback_query(RemTables.filter())
async def pick_table(
    query: CallbackQuery, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    tables = await _coordinated(session, access)
    if not tables:
        await query.answer(_("Tämä nappi ei ole enää käytössä."), show_alert=True)
        return
    if len(tables) == 1:
        await _show_offsets(query, session, tables[0], i18n.current_locale)
        return
    builder = InlineKeyboardBuilder()
    for table in tables:
        builder.button(
            text=table.name(i18n.current_locale), callback_data=RemTableOffsets(table_id=table.id)
        )
    builder.button(text=_("Takaisin"), callback_data=RemBack())
    builder.adjust(1)
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Valitse pöytä."), reply_markup=builder.as_markup())
    await query.answer()


@router.callback_query(RemTableOffsets.filter())
async def table_offsets(
    query: CallbackQuery,
    callback_data: RemTableOffsets,
    access: Access,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    table = await session.get(Table, callback_data.table_id)
    if table is None or not access.coordinates(table.id):
        await query.answer(_("Tämä nappi ei ole enää käytössä."), show_alert=True)
        return
    await _show_offsets(query, session, table, i18n.current_locale)


async def _show_offsets(
    query: CallbackQuery,
    session: AsyncSession,
    table: Table,
    language: str,
    answer: str | None = None,
) -> None:
    current = await offsets_for(session, table.id, ReminderKind.MEETING)
    builder = InlineKeyboardBuilder()
    for preset, offsets in OFFSET_PRESETS.items():
        mark = "✅ " if offsets == current else ""
        builder.button(
            text=mark + offsets_label(offsets),
            callback_data=RemSetOffsets(table_id=table.id, preset=preset),
        )
    builder.button(text=_("Takaisin"), callback_data=RemBack())
    builder.adjust(1)
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _(
                "<b>{table}</b>\nMilloin jäsenet saavat muistutuksen kokouksesta?\nNyt: {current}."
            ).format(table=esc(table.name(language)), current=offsets_label(current)),
            reply_markup=builder.as_markup(),
        )
    await query.answer(answer)


@router.callback_query(RemSetOffsets.filter())
async def set_offsets(
    query: CallbackQuery,
    callback_data: RemSetOffsets,
    person: Person,
    access: Access,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    offsets = OFFSET_PRESETS.get(callback_data.preset)
    table = await session.get(Table, callback_data.table_id)
    if offsets is None or table is None or not access.coordinates(table.id):
        await query.answer(_("Tämä nappi ei ole enää käytössä."), show_alert=True)
        return
    await set_meeting_offsets(session, table.id, offsets)
    moved = await reschedule_table_meetings(session, table.id, now=clock.now())
    await record(
        session,
        actor_id=person.id,
        action="reminders.offsets",
        subject=f"table:{table.id}",
        detail={"offsets": list(offsets), "moved": moved},
        at=clock.now(),
    )
    await _show_offsets(query, session, table, i18n.current_locale, _("Tallennettu."))
