"""/omattiedot: everything stored about a person as files, and erasing it (self or coordinator)."""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.people import Person, Table
from storage.roles import Role
from views.callbacks import Menu, MenuItem, RowId
from views.text import esc, moment, role_name

# Found in the files a person downloads: what each table of the database holds about them.
SECTIONS: dict[str, LazyProxy] = {
    "people": __("Henkilötiedot"),
    "memberships": __("Roolit pöydissä"),
    "contact_preferences": __("Miten haluat viestit"),
    "reminder_preferences": __("Muistutusten asetukset"),
    "reminder_digest_items": __("Muistutukset koosteeseen"),
    "reminders": __("Muistutukset"),
    "announcements": __("Tiedotteet, jotka lähetit"),
    "announcement_acks": __("Tiedotteet, jotka merkitsit luetuiksi"),
    "announcement_replies": __("Vastauksesi tiedotteisiin"),
    "audit_log": __("Tekemäsi toimet (loki)"),
    "outbox": __("Viestit, jotka botti lähetti sinulle"),
    "email_outbox": __("Sähköpostit, jotka lähetettiin sinulle"),
    "meeting_posts": __("Kokousviestit"),
    "invites": __("Kutsulinkit"),
    "meetings": __("Kokoukset, jotka teit"),
    "agenda_items": __("Esityslistan asiat, joita ehdotit"),
    "meeting_participants": __("Kokoukset, joihin osallistuit"),
    "meeting_votes": __("Vastauksesi kokousaikakyselyihin"),
    "statements": __("Lausunnot, jotka aloitit"),
    "statement_drafters": __("Lausunnot, joita kirjoitat"),
    "statement_versions": __("Lausuntojen versiot, jotka kirjoitit"),
    "amendments": __("Muutosehdotukset"),
    "dissenting_opinions": __("Eriävät mielipiteesi"),
    "ballots": __("Äänestykset, jotka avasit"),
    "open_votes": __("Äänesi avoimissa äänestyksissä"),
    "secret_participation": __("Salaiset äänestykset, joihin osallistuit"),
}

LABELS: dict[str, LazyProxy] = {
    "first_name": __("Etunimi"),
    "last_name": __("Sukunimi"),
    "username": __("Käyttäjänimi"),
    "email": __("Sähköposti"),
    "language": __("Kieli"),
    "created_at": __("Tallennettu"),
    "role": __("Rooli"),
    "starts_on": __("Alkaa"),
    "ends_on": __("Päättyy"),
    "text": __("Teksti"),
}

PRIVATE_ONLY = __("Omat tietosi lähetän vain yksityisviestissä. Kirjoita minulle /omattiedot.")
EXPORT_CAPTION = __("Tässä ovat kaikki tiedot, jotka botti on tallentanut sinusta.")
JSON_CAPTION = __("Samat tiedot koneelle luettavassa muodossa (JSON).")
ERASE_OFFER = __("Voit myös poistaa tietosi. Silloin et ole enää minkään pöydän jäsen.")
ERASE_BUTTON = __("🗑 Poista tietoni")
EXPORT_BUTTON = __("📄 Lataa kaikki tietoni")
ERASE_ASK = __(
    "Haluatko varmasti poistaa tietosi?\n\n"
    "Nimesi, käyttäjänimesi, sähköpostisi ja asetuksesi poistetaan. "
    "Et ole enää minkään pöydän jäsen.\n\n"
    "Päätökset, muistiot ja lausunnot jäävät. "
    "Niissä nimesi tilalla lukee ”poistettu jäsen”."
)
ERASE_YES = __("Kyllä, poista tietoni")
CANCEL = __("Peru")
ERASED_SELF = __(
    "Tietosi on poistettu.\nJos haluat takaisin pöytään, pyydä koordinaattorilta uusi kutsulinkki."
)
NOT_ERASED = __("Tietoja ei poistettu.")
ALREADY_ERASED = __("Tiedot on jo poistettu.")

PICK_MEMBER = __("Kenen tiedot poistetaan?\nTee tämä vain, jos henkilö on itse pyytänyt sitä.")
NO_ONE_TO_ERASE = __("Pöydässä ei ole jäseniä, joiden tiedot voisit poistaa.")
ERASE_MEMBER_YES = __("Kyllä, poista")
MEMBER_ERASED = __("Henkilön tiedot on poistettu.")
CANNOT_ERASE = __(
    "Tämän henkilön tietoja et voi poistaa. "
    "Hän ei ole enää pöytäsi jäsen, tai hän on koordinaattori."
)


class Erasure(enum.StrEnum):
    ASK = "ask"
    CONFIRM = "yes"
    CANCEL = "no"


class EraseMine(CallbackData, prefix="me"):
    step: Erasure


class EraseMember(CallbackData, prefix="em"):
    """A coordinator erases a member's data on request: pick the table, the person, confirm."""

    step: Erasure
    table_id: RowId
    person_id: RowId = 0


def mydata_keyboard() -> InlineKeyboardMarkup:
    """Under /me: download everything, or erase it."""
    builder = InlineKeyboardBuilder()
    builder.button(text=str(EXPORT_BUTTON), callback_data=MenuItem(item=Menu.MYDATA))
    builder.button(text=str(ERASE_BUTTON), callback_data=EraseMine(step=Erasure.ASK))
    builder.adjust(1)
    return builder.as_markup()


def erase_offer_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=str(ERASE_BUTTON), callback_data=EraseMine(step=Erasure.ASK))
    return builder.as_markup()


def erase_confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=str(ERASE_YES), callback_data=EraseMine(step=Erasure.CONFIRM))
    builder.button(text=str(CANCEL), callback_data=EraseMine(step=Erasure.CANCEL))
    builder.adjust(1)
    return builder.as_markup()


def erase_member_tables_keyboard(tables: list[Table], language: str) -> InlineKeyboardMarkup:
    """Under /members, for coordinators: one button per table they coordinate."""
    builder = InlineKeyboardBuilder()
    for table in tables:
        builder.button(
            text=_("🗑 Poista jäsenen tiedot ({table})").format(table=table.name(language)),
            callback_data=EraseMember(step=Erasure.ASK, table_id=table.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def pick_member_keyboard(table_id: int, people: list[tuple[Person, Role]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for person, role in people:
        builder.button(
            text=f"{person.full_name} – {role_name(role)}",
            callback_data=EraseMember(step=Erasure.ASK, table_id=table_id, person_id=person.id),
        )
    builder.button(
        text=str(CANCEL), callback_data=EraseMember(step=Erasure.CANCEL, table_id=table_id)
    )
    builder.adjust(1)
    return builder.as_markup()


def erase_member_question(person: Person) -> str:
    return _(
        "Poistetaanko henkilön {name} tiedot?\n\n"
        "Hän ei ole enää pöydän jäsen. Päätökset, muistiot ja lausunnot jäävät. "
        "Niissä hänen nimensä tilalla lukee ”poistettu jäsen”."
    ).format(name=f"<b>{esc(person.full_name)}</b>")


def erase_member_keyboard(table_id: int, person_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=str(ERASE_MEMBER_YES),
        callback_data=EraseMember(step=Erasure.CONFIRM, table_id=table_id, person_id=person_id),
    )
    builder.button(
        text=str(CANCEL), callback_data=EraseMember(step=Erasure.CANCEL, table_id=table_id)
    )
    builder.adjust(1)
    return builder.as_markup()


# ---- the files ------------------------------------------------------------------------------


def file_stem() -> str:
    return _("omat-tiedot")


def export_json(data: dict[str, list[dict[str, Any]]], made_at: datetime) -> bytes:
    document = {"exported_at": made_at.isoformat(), "tables": data}
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def export_text(
    data: dict[str, list[dict[str, Any]]], made_at: datetime, zone: ZoneInfo, language: str
) -> bytes:
    """The same data for a person to read: a heading per kind of data, a block per row."""
    lines = [
        _("Tiedot, jotka botti on tallentanut sinusta"),
        _("Tehty {when}").format(when=moment(made_at, zone, language)),
    ]
    for table, rows in data.items():
        title = SECTIONS.get(table)
        lines += ["", f"== {title if title is not None else table} ({len(rows)}) =="]
        for row in rows:
            lines.append("")
            for key, value in row.items():
                if value is None or value in ("", [], {}):
                    continue
                label = LABELS.get(key)
                shown = role_name(Role(value)) if key == "role" and _is_role(value) else value
                if isinstance(shown, dict | list):
                    shown = json.dumps(shown, ensure_ascii=False)
                lines.append(f"{label if label is not None else key}: {shown}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _is_role(value: object) -> bool:
    return isinstance(value, str) and value in {role.value for role in Role}
