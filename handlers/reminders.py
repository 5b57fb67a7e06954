"""/reminders (/muistutukset): a person turns reminder kinds off, picks a digest, quiet hours;
a coordinator sets when the table's meeting reminders come."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from handlers.filters import IsMember
from handlers.routing import Refused, command_or_menu, message_of
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
from views.callbacks import Menu
from views.common import STALE_BUTTON
from views.reminders import (
    OFFSET_PRESETS,
    PICK_TABLE,
    QUIET_HOURS,
    QUIET_QUESTION,
    SAVED,
    SWITCHED_KINDS,
    RemBack,
    RemDigest,
    RemQuiet,
    RemQuietMenu,
    RemSetOffsets,
    RemTableOffsets,
    RemTables,
    RemToggle,
    digest_switched,
    is_on,
    offsets_keyboard,
    offsets_text,
    quiet_keyboard,
    quiet_saved,
    settings_keyboard,
    settings_text,
    switched,
    switches_for,
    tables_keyboard,
)


async def _show(
    message: Message, prefs: ReminderPreference, access: Access, *, edit: bool
) -> None:
    text, markup = settings_text(prefs, access), settings_keyboard(prefs, access)
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)


async def show_settings(
    message: Message, person: Person, access: Access, session: AsyncSession
) -> None:
    prefs = await preference_row(session, person.id, create=False)
    await _show(message, prefs, access, edit=False)


async def toggle(
    query: CallbackQuery,
    callback_data: RemToggle,
    person: Person,
    access: Access,
    session: AsyncSession,
) -> None:
    message = message_of(query)
    switch = callback_data.group
    if switch not in switches_for(access):
        raise Refused(STALE_BUTTON)
    prefs = await preference_row(session, person.id)
    kinds = {kind.value for kind in SWITCHED_KINDS[switch]}
    current = set(prefs.kinds_off or ())
    turning_off = is_on(prefs, switch)
    prefs.kinds_off = sorted(current | kinds if turning_off else current - kinds)
    # The message changes first, so the answer arrives when the new buttons are in place.
    await _show(message, prefs, access, edit=True)
    await query.answer(switched(switch, on=not turning_off))


async def set_digest(
    query: CallbackQuery,
    callback_data: RemDigest,
    person: Person,
    access: Access,
    session: AsyncSession,
) -> None:
    message = message_of(query)
    prefs = await preference_row(session, person.id)
    prefs.digest = callback_data.on
    await _show(message, prefs, access, edit=True)
    await query.answer(digest_switched(prefs.digest))


async def quiet_menu(query: CallbackQuery) -> None:
    await message_of(query).edit_text(str(QUIET_QUESTION), reply_markup=quiet_keyboard())
    await query.answer()


async def set_quiet(
    query: CallbackQuery,
    callback_data: RemQuiet,
    person: Person,
    access: Access,
    session: AsyncSession,
) -> None:
    message = message_of(query)
    prefs = await preference_row(session, person.id)
    prefs.quiet_start, prefs.quiet_end = QUIET_HOURS[callback_data.choice]
    await _show(message, prefs, access, edit=True)
    await query.answer(quiet_saved(prefs))


async def back(
    query: CallbackQuery, person: Person, access: Access, session: AsyncSession
) -> None:
    prefs = await preference_row(session, person.id, create=False)
    await _show(message_of(query), prefs, access, edit=True)
    await query.answer()


# ---- a coordinator sets when the table's meeting reminders come ------------------------------


class CoordinatedTable(BaseFilter):
    """The table a button is about, if this person coordinates it."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: RemTableOffsets | RemSetOffsets,
        session: AsyncSession,
        access: Access,
    ) -> dict[str, Any]:
        table = await session.get(Table, callback_data.table_id)
        if table is None or not access.coordinates(table.id):
            raise Refused(STALE_BUTTON)
        return {"table": table}


async def _show_offsets(
    query: CallbackQuery,
    session: AsyncSession,
    table: Table,
    language: str,
    answer: str | None = None,
) -> None:
    message = message_of(query)
    current = await offsets_for(session, table.id, ReminderKind.MEETING)
    await message.edit_text(
        offsets_text(table, language, current), reply_markup=offsets_keyboard(table, current)
    )
    await query.answer(answer)


async def pick_table(
    query: CallbackQuery, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    tables = [t for t in await tables_in_order(session) if access.coordinates(t.id)]
    if not tables:
        raise Refused(STALE_BUTTON)
    if len(tables) == 1:
        await _show_offsets(query, session, tables[0], i18n.current_locale)
        return
    await message_of(query).edit_text(
        str(PICK_TABLE), reply_markup=tables_keyboard(tables, i18n.current_locale)
    )
    await query.answer()


async def table_offsets(
    query: CallbackQuery, table: Table, session: AsyncSession, i18n: I18n
) -> None:
    await _show_offsets(query, session, table, i18n.current_locale)


async def set_offsets(
    query: CallbackQuery,
    callback_data: RemSetOffsets,
    table: Table,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    offsets = OFFSET_PRESETS[callback_data.preset]
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
    await _show_offsets(query, session, table, i18n.current_locale, str(SAVED))


def create_router() -> Router:
    router = Router(name="reminders")
    router.message.filter(F.chat.type == "private", IsMember())
    router.callback_query.filter(IsMember())
    command_or_menu(router, "reminders", Menu.REMINDERS)(show_settings)
    router.callback_query.register(toggle, RemToggle.filter())
    router.callback_query.register(set_digest, RemDigest.filter())
    router.callback_query.register(quiet_menu, RemQuietMenu.filter())
    router.callback_query.register(set_quiet, RemQuiet.filter())
    router.callback_query.register(back, RemBack.filter())
    router.callback_query.register(pick_table, RemTables.filter())
    router.callback_query.register(table_offsets, RemTableOffsets.filter(), CoordinatedTable())
    router.callback_query.register(set_offsets, RemSetOffsets.filter(), CoordinatedTable())
    return router
