"""Coordinators make personal invite links, one at a time (with a QR code) or from a CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import qrcode
from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsCoordinator
from handlers.routing import command
from storage.invites import INVITE_CSV_LIMIT, create_invite, parse_member_rows
from storage.people import Table, tables_in_order
from storage.roles import INVITABLE_ROLES, Access, Role
from views.callbacks import Cancel, Form, InviteRole, InviteTable, Menu, MenuItem
from views.common import NOT_ALLOWED
from views.text import day, esc, role_name

router = Router(name="invites")
router.message.filter(F.chat.type == "private", IsCoordinator())
router.callback_query.filter(IsCoordinator())

IMPORT = "csv"


class InviteImport(StatesGroup):
    waiting_for_csv = State()


def _may_invite(access: Access, table_id: int, role: Role) -> bool:
    # Only the lead coordinator hands out the coordinator role.
    return access.coordinates(table_id) and (role is not Role.COORDINATOR or access.is_lead)


@router.message(command("invite"))
async def invite_command(
    message: Message, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    await _ask_table_or_role(message, access, session, i18n)


@router.callback_query(MenuItem.filter(F.item == Menu.INVITE))
async def invite_button(
    query: CallbackQuery, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _ask_table_or_role(query.message, access, session, i18n)


async def _ask_table_or_role(
    message: Message, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    tables = [t for t in await tables_in_order(session) if access.coordinates(t.id)]
    if len(tables) == 1:
        text, keyboard = _role_question(tables[0], access, i18n.current_locale)
        await message.answer(text, reply_markup=keyboard)
        return
    builder = InlineKeyboardBuilder()
    for table in tables:
        builder.button(
            text=table.name(i18n.current_locale), callback_data=InviteTable(table_id=table.id)
        )
    builder.adjust(1)
    await message.answer(_("Mihin pöytään kutsut?"), reply_markup=builder.as_markup())


def _role_question(
    table: Table, access: Access, language: str
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for role in INVITABLE_ROLES:
        if _may_invite(access, table.id, role):
            builder.button(
                text=role_name(role).capitalize(),
                callback_data=InviteRole(table_id=table.id, role=role.value),
            )
    builder.button(
        text=_("📄 Monta kerralla (CSV)"), callback_data=InviteRole(table_id=table.id, role=IMPORT)
    )
    builder.adjust(2)
    text = _("{table}\n\nValitse kutsuttavan rooli.").format(table=esc(table.name(language)))
    return text, builder.as_markup()


@router.callback_query(InviteTable.filter())
async def table_chosen(
    query: CallbackQuery,
    callback_data: InviteTable,
    access: Access,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    table = await session.get(Table, callback_data.table_id)
    if table is None or not access.coordinates(table.id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        text, keyboard = _role_question(table, access, i18n.current_locale)
        await query.message.edit_text(text, reply_markup=keyboard)


@router.callback_query(InviteRole.filter(F.role == IMPORT))
async def import_chosen(
    query: CallbackQuery, callback_data: InviteRole, access: Access, state: FSMContext
) -> None:
    if not access.coordinates(callback_data.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    await state.set_state(InviteImport.waiting_for_csv)
    await state.update_data(table_id=callback_data.table_id)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.IMPORT))
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "Lähetä CSV-tiedosto. Jokaisella rivillä on nimi, rooli ja halutessasi "
                "sähköposti.\n\nEsimerkki:\n<code>nimi;rooli;sähköposti\n"
                "Maija Meikäläinen;jäsen;maija@example.fi\nPekka Puu;pj;</code>\n\n"
                "Saat takaisin tiedoston, jossa on jokaisen oma kutsulinkki."
            ),
            reply_markup=builder.as_markup(),
        )


@router.callback_query(Cancel.filter(F.form == Form.IMPORT))
async def import_cancelled(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Peruttu."))


@router.callback_query(InviteRole.filter())
async def role_chosen(
    query: CallbackQuery,
    callback_data: InviteRole,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    table = await session.get(Table, callback_data.table_id)
    role = Role(callback_data.role) if callback_data.role in set(Role) else None
    if (
        table is None
        or role is None
        or role not in INVITABLE_ROLES
        or not _may_invite(access, table.id, role)
    ):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    assert access.person_id is not None
    now = clock.now()
    invite = await create_invite(
        session,
        table=table,
        role=role,
        created_by=access.person_id,
        now=now,
        valid_for=timedelta(days=settings.invite_valid_days),
    )
    link = await invite_link(bot, invite.token)
    language = i18n.current_locale
    await query.answer()
    if not isinstance(query.message, Message):
        return
    expires = day(invite.expires_at.astimezone(settings.zone).date(), language)
    await query.message.edit_text(
        _(
            "Kutsulinkki on valmis.\n\nPöytä: {table}\nRooli: {role}\n"
            "Linkki toimii kerran ja vanhenee {date}.\n\n{link}\n\n"
            "Lähetä linkki kutsuttavalle. Hän avaa sen ja painaa Aloita."
        ).format(table=esc(table.name(language)), role=role_name(role), date=expires, link=link)
    )
    await query.message.answer_photo(
        BufferedInputFile(qr_png(link), filename="kutsu.png"),
        caption=_("Kutsulinkin QR-koodi. Kutsuttava voi lukea sen puhelimen kameralla."),
    )


@router.message(StateFilter(InviteImport.waiting_for_csv), F.document)
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
        await message.answer(str(NOT_ALLOWED))
        return
    document = message.document
    if not (document.file_name or "").lower().endswith((".csv", ".txt")):
        await message.answer(
            _("Tämä ei ole CSV-tiedosto. Lähetä tiedosto, jonka nimi päättyy .csv.")
        )
        return
    if (document.file_size or 0) > INVITE_CSV_LIMIT:
        await message.answer(_("Tiedosto on liian suuri. Suurin koko on 100 kt."))
        return
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    rows = read_csv_rows(buffer.getvalue())
    if rows is None:
        await message.answer(
            _("En saanut tiedostoa auki. Tallenna se CSV-muodossa (UTF-8) ja lähetä uudelleen.")
        )
        return
    parsed, problems = parse_member_rows(rows)
    if problems or not parsed:
        await message.answer(
            import_problems_text(problems) if problems else _("Tiedostossa ei ole yhtään riviä.")
        )
        return
    forbidden = [row.line for row in parsed if not _may_invite(access, table.id, row.role)]
    if forbidden:
        await message.answer(
            _(
                "Rivi {line}: vain vastuukoordinaattori voi kutsua "
                "koordinaattorin. Yhtään kutsua ei tehty."
            ).format(line=forbidden[0])
        )
        return
    now = clock.now()
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";")
    writer.writerow([_("nimi"), _("rooli"), _("sähköposti"), _("kutsulinkki"), _("vanhenee")])
    expiry = timedelta(days=settings.invite_valid_days)
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
        writer.writerow(
            [
                row.name,
                role_name(row.role),
                row.email or "",
                await invite_link(bot, invite.token),
                invite.expires_at.astimezone(settings.zone).date().isoformat(),
            ]
        )
    await state.clear()
    await message.answer_document(
        BufferedInputFile(
            ("\ufeff" + output.getvalue()).encode(), filename=f"kutsut-{table.slug}.csv"
        ),
        caption=_("Valmis: {count} kutsulinkkiä.\nPöytä: {table}").format(
            count=len(parsed), table=esc(table.name(i18n.current_locale))
        ),
    )


@router.message(StateFilter(InviteImport.waiting_for_csv))
async def import_not_a_file(message: Message) -> None:
    await message.answer(_("Lähetä CSV-tiedosto liitteenä, tai paina Peru."))


def read_csv_rows(data: bytes) -> list[list[str]] | None:
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


def import_problems_text(problems: list) -> str:
    reasons = {
        "name": _("nimi puuttuu tai on liian pitkä"),
        "role": _(
            "rooli on tuntematon (käytä: jäsen, pj, vpj, nuorisovaltuuston edustaja, "
            "koordinaattori)"
        ),
        "email": _("sähköpostiosoite ei kelpaa"),
        "too_many": _("liikaa rivejä (enintään 200)"),
    }
    lines = [
        _("Rivi {line}: {reason}").format(line=p.line, reason=reasons[p.problem])
        for p in problems[:20]
    ]
    return (
        _("Tiedostossa on virheitä. Yhtään kutsua ei tehty.")
        + "\n\n"
        + "\n".join(lines)
        + "\n\n"
        + _("Korjaa tiedosto ja lähetä se uudelleen.")
    )


async def invite_link(bot: Bot, token: str) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={token}"


def qr_png(link: str) -> bytes:
    image = qrcode.make(link, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
