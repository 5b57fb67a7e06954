"""Coordinators make personal invite links, one at a time (with a QR code) or from a CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import BaseFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import CoordinatedTable, IsCoordinator
from handlers.routing import Refused, command_or_menu, message_of
from storage.invites import INVITE_CSV_LIMIT, create_invite, parse_member_rows
from storage.people import Table, tables_in_order
from storage.roles import INVITABLE_ROLES, Access, Role
from views.callbacks import Cancel, Form, Menu
from views.common import CANCELLED, NOT_ALLOWED
from views.invites import (
    CSV_EMPTY,
    CSV_TOO_BIG,
    CSV_UNREADABLE,
    NOT_CSV,
    QR_CAPTION,
    SEND_CSV,
    SEND_CSV_OR_CANCEL,
    WHICH_TABLE,
    Invitee,
    InviteRole,
    InviteTable,
    MadeInvite,
    cancel_import,
    coordinator_row_refused,
    import_problems,
    invite_ready,
    invites_csv,
    invites_made,
    link,
    qr_png,
    role_question,
    table_keyboard,
)


class InviteImport(StatesGroup):
    waiting_for_csv = State()


def may_invite(access: Access, table_id: int, role: Role) -> bool:
    # Only the lead coordinator hands out the coordinator role.
    return access.coordinates(table_id) and (role is not Role.COORDINATOR or access.is_lead)


class InvitableRole(BaseFilter):
    """The role an invite button asks for, if this person may hand it out at `table`."""

    async def __call__(
        self, query: CallbackQuery, callback_data: InviteRole, table: Table, access: Access
    ) -> dict[str, Any]:
        role = callback_data.role.role
        if role is None or not may_invite(access, table.id, role):
            raise Refused(NOT_ALLOWED)
        return {"role": role}


def create_router() -> Router:
    router = Router(name="invites")
    router.message.filter(F.chat.type == "private", IsCoordinator())
    router.callback_query.filter(IsCoordinator())
    command_or_menu(router, "invite", Menu.INVITE)(ask_table_or_role)
    router.callback_query.register(table_chosen, InviteTable.filter(), CoordinatedTable())
    router.callback_query.register(
        import_chosen, InviteRole.filter(F.role == Invitee.MANY), CoordinatedTable()
    )
    router.callback_query.register(import_cancelled, Cancel.filter(F.form == Form.IMPORT))
    router.callback_query.register(
        role_chosen, InviteRole.filter(), CoordinatedTable(), InvitableRole()
    )
    router.message.register(import_csv, StateFilter(InviteImport.waiting_for_csv), F.document)
    router.message.register(import_not_a_file, StateFilter(InviteImport.waiting_for_csv))
    return router


def _invitable_roles(access: Access, table: Table) -> list[Role]:
    return [role for role in INVITABLE_ROLES if may_invite(access, table.id, role)]


async def ask_table_or_role(
    message: Message, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    language = i18n.current_locale
    tables = [t for t in await tables_in_order(session) if access.coordinates(t.id)]
    if len(tables) == 1:
        text, keyboard = role_question(tables[0], _invitable_roles(access, tables[0]), language)
        await message.answer(text, reply_markup=keyboard)
        return
    await message.answer(str(WHICH_TABLE), reply_markup=table_keyboard(tables, language))


async def table_chosen(query: CallbackQuery, table: Table, access: Access, i18n: I18n) -> None:
    message = message_of(query)
    text, keyboard = role_question(table, _invitable_roles(access, table), i18n.current_locale)
    await query.answer()
    await message.edit_text(text, reply_markup=keyboard)


async def import_chosen(query: CallbackQuery, table: Table, state: FSMContext) -> None:
    message = message_of(query)
    await query.answer()
    await state.set_state(InviteImport.waiting_for_csv)
    await state.update_data(table_id=table.id)
    await message.answer(str(SEND_CSV), reply_markup=cancel_import())


async def import_cancelled(query: CallbackQuery, state: FSMContext) -> None:
    message = message_of(query)
    await state.clear()
    await query.answer()
    await message.edit_text(str(CANCELLED))


async def role_chosen(
    query: CallbackQuery,
    table: Table,
    role: Role,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    """`table` and `role` come from the filters: this coordinator may invite to both."""
    message = message_of(query)
    assert access.person_id is not None
    invite = await create_invite(
        session,
        table=table,
        role=role,
        created_by=access.person_id,
        now=clock.now(),
        valid_for=timedelta(days=settings.invite_valid_days),
    )
    url = await _link(bot, invite.token)
    expires_on = invite.expires_at.astimezone(settings.zone).date()
    await query.answer()
    await message.edit_text(invite_ready(table, role, expires_on, url, i18n.current_locale))
    await message.answer_photo(
        BufferedInputFile(qr_png(url), filename="kutsu.png"), caption=str(QR_CAPTION)
    )


async def import_csv(
    message: Message,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    assert message.document is not None and access.person_id is not None
    table_id = (await state.get_data()).get("table_id")
    table = await session.get(Table, table_id) if table_id else None
    if table is None or not access.coordinates(table.id):
        await state.clear()
        raise Refused(NOT_ALLOWED)
    document = message.document
    if not (document.file_name or "").lower().endswith((".csv", ".txt")):
        await message.answer(str(NOT_CSV))
        return
    if (document.file_size or 0) > INVITE_CSV_LIMIT:
        await message.answer(str(CSV_TOO_BIG))
        return
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    rows = read_csv_rows(buffer.getvalue())
    if rows is None:
        await message.answer(str(CSV_UNREADABLE))
        return
    parsed, problems = parse_member_rows(rows)
    if problems or not parsed:
        await message.answer(import_problems(problems) if problems else str(CSV_EMPTY))
        return
    forbidden = [row.line for row in parsed if not may_invite(access, table.id, row.role)]
    if forbidden:
        await message.answer(coordinator_row_refused(forbidden[0]))
        return
    now = clock.now()
    expiry = timedelta(days=settings.invite_valid_days)
    made = []
    for row in parsed:
        invite = await create_invite(
            session,
            table=table,
            role=row.role,
            created_by=access.person_id,
            now=now,
            valid_for=expiry,
            invitee_name=row.name,
            invitee_email=row.email,
        )
        made.append(
            MadeInvite(
                name=row.name,
                role=row.role,
                email=row.email,
                url=await _link(bot, invite.token),
                expires_on=invite.expires_at.astimezone(settings.zone).date(),
            )
        )
    await state.clear()
    await message.answer_document(
        BufferedInputFile(invites_csv(made), filename=f"kutsut-{table.slug}.csv"),
        caption=invites_made(len(made), table, i18n.current_locale),
    )


async def import_not_a_file(message: Message) -> None:
    await message.answer(str(SEND_CSV_OR_CANCEL))


def read_csv_rows(data: bytes) -> list[list[str]] | None:
    """The rows of an uploaded CSV, or None when it is not text."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    if "\x00" in text:
        return None
    # Finnish spreadsheet programs write semicolons; others write commas.
    delimiter = ";" if text.count(";") >= text.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


async def _link(bot: Bot, token: str) -> str:
    me = await bot.me()
    return link(me.username or "", token)
