"""Invite links as the coordinator sees them: table and role buttons, the link, its QR, the CSV."""

from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass
from datetime import date

import qrcode
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.invites import ImportProblem
from storage.people import Table
from storage.roles import Role
from views.callbacks import Cancel, Form, RowId
from views.text import day, esc, role_name, spreadsheet_cell


class Invitee(enum.StrEnum):
    """Whom an invite is for: one person in a role (the `Role` values), or many from a CSV."""

    MEMBER = Role.MEMBER.value
    CHAIR = Role.CHAIR.value
    VICE_CHAIR = Role.VICE_CHAIR.value
    YOUTH_REP = Role.YOUTH_REP.value
    COORDINATOR = Role.COORDINATOR.value
    MANY = "csv"

    @property
    def role(self) -> Role | None:
        return None if self is Invitee.MANY else Role(self.value)


class InviteTable(CallbackData, prefix="it"):
    table_id: RowId


class InviteRole(CallbackData, prefix="ir"):
    table_id: RowId
    role: Invitee


WHICH_TABLE = __("Mihin pöytään kutsut?")
SEND_CSV = __(
    "Lähetä CSV-tiedosto. Jokaisella rivillä on nimi, rooli ja halutessasi "
    "sähköposti.\n\nEsimerkki:\n<code>nimi;rooli;sähköposti\n"
    "Maija Meikäläinen;jäsen;maija@example.fi\nPekka Puu;pj;</code>\n\n"
    "Saat takaisin tiedoston, jossa on jokaisen oma kutsulinkki."
)
SEND_CSV_OR_CANCEL = __("Lähetä CSV-tiedosto liitteenä, tai paina Peru.")
NOT_CSV = __("Tämä ei ole CSV-tiedosto. Lähetä tiedosto, jonka nimi päättyy .csv.")
CSV_TOO_BIG = __("Tiedosto on liian suuri. Suurin koko on 100 kt.")
CSV_UNREADABLE = __(
    "En saanut tiedostoa auki. Tallenna se CSV-muodossa (UTF-8) ja lähetä uudelleen."
)
CSV_EMPTY = __("Tiedostossa ei ole yhtään riviä.")
QR_CAPTION = __("Kutsulinkin QR-koodi. Kutsuttava voi lukea sen puhelimen kameralla.")


def link(bot_username: str, token: str) -> str:
    """The deep link that opens the bot with the invite token."""
    return f"https://t.me/{bot_username}?start={token}"


def table_keyboard(tables: list[Table], language: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for table in tables:
        builder.button(text=table.name(language), callback_data=InviteTable(table_id=table.id))
    builder.adjust(1)
    return builder.as_markup()


def role_question(
    table: Table, roles: list[Role], language: str
) -> tuple[str, InlineKeyboardMarkup]:
    """Which role to invite to `table`: one button per role this coordinator may hand out."""
    builder = InlineKeyboardBuilder()
    for role in roles:
        builder.button(
            text=role_name(role).capitalize(),
            callback_data=InviteRole(table_id=table.id, role=Invitee(role.value)),
        )
    builder.button(
        text=_("📄 Monta kerralla (CSV)"),
        callback_data=InviteRole(table_id=table.id, role=Invitee.MANY),
    )
    builder.adjust(2)
    text = _("{table}\n\nValitse kutsuttavan rooli.").format(table=esc(table.name(language)))
    return text, builder.as_markup()


def cancel_import() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.IMPORT))
    return builder.as_markup()


def invite_ready(table: Table, role: Role, expires_on: date, url: str, language: str) -> str:
    return _(
        "Kutsulinkki on valmis.\n\nPöytä: {table}\nRooli: {role}\n"
        "Linkki toimii kerran ja vanhenee {date}.\n\n{link}\n\n"
        "Lähetä linkki kutsuttavalle. Hän avaa sen ja painaa Aloita."
    ).format(
        table=esc(table.name(language)),
        role=role_name(role),
        date=day(expires_on, language),
        link=url,
    )


def qr_png(url: str) -> bytes:
    image = qrcode.make(url, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def import_problems(problems: list[ImportProblem]) -> str:
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


def coordinator_row_refused(line: int) -> str:
    return _(
        "Rivi {line}: vain vastuukoordinaattori voi kutsua "
        "koordinaattorin. Yhtään kutsua ei tehty."
    ).format(line=line)


@dataclass(frozen=True)
class MadeInvite:
    """One line of the CSV a coordinator gets back."""

    name: str
    role: Role
    email: str | None
    url: str
    expires_on: date


def invites_csv(invites: list[MadeInvite]) -> bytes:
    """Semicolons and a byte-order mark, so Finnish spreadsheet programs open it as is."""
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";")
    writer.writerow([_("nimi"), _("rooli"), _("sähköposti"), _("kutsulinkki"), _("vanhenee")])
    for invite in invites:
        cells = [
            invite.name,
            role_name(invite.role),
            invite.email or "",
            invite.url,
            invite.expires_on.isoformat(),
        ]
        writer.writerow([spreadsheet_cell(cell) for cell in cells])
    return ("\ufeff" + output.getvalue()).encode()


def invites_made(count: int, table: Table, language: str) -> str:
    return _("Valmis: {count} kutsulinkkiä.\nPöytä: {table}").format(
        count=count, table=esc(table.name(language))
    )
