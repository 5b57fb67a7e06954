"""The agenda: as members read it (message and printable file), and as the organiser shapes it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.meetings import AgendaItem, Meeting
from storage.people import Table
from views.meetings.buttons import ItemAct, ItemButton, MeetingAct, MeetingButton
from views.meetings.texts import meeting_heading, span, table_name
from views.text import esc, moment


def agenda_text(
    meeting: Meeting,
    table: Table | None,
    items: list[AgendaItem],
    zone: ZoneInfo,
    language: str,
    *,
    changed: bool = False,
) -> str:
    head = _("📋 <b>Esityslista</b>") if not changed else _("📋 <b>Esityslista on muuttunut</b>")
    lines = [head, meeting_heading(meeting, table, zone, language)]
    if not items:
        lines.append(_("Esityslistalla ei ole vielä asioita."))
    for number, item in enumerate(items, start=1):
        block = f"<b>{number}. {esc(item.title)}</b>"
        if item.body:
            block += "\n" + esc(item.body)
        if item.file_id:
            block += "\n" + _("(Liite)")
        lines.append(block)
    return "\n\n".join(lines)


def agenda_plain(
    meeting: Meeting, table: Table | None, items: list[AgendaItem], zone: ZoneInfo, language: str
) -> bytes:
    """The agenda as a plain-text document to download and print."""
    lines = [meeting.title, table_name(table, language)]
    if meeting.starts_at and meeting.ends_at:
        lines.append(span(meeting.starts_at, meeting.ends_at, zone, language))
    if meeting.place:
        lines.append(meeting.place)
    lines.append("")
    lines.append(_("Esityslista"))
    lines.append("")
    for number, item in enumerate(items, start=1):
        lines.append(f"{number}. {item.title}")
        if item.body:
            lines.extend("   " + line for line in item.body.splitlines())
        lines.append("")
    return "\r\n".join(lines).encode("utf-8-sig")


def agenda_file_caption() -> str:
    return _("Esityslista tiedostona.")


def attachment_caption(number: int, item: AgendaItem) -> str:
    return _("Liite asiaan {number}: {title}").format(number=number, title=esc(item.title))


# ---- proposing -------------------------------------------------------------------------------


def proposing_closed(meeting: Meeting, zone: ZoneInfo, language: str) -> str:
    assert meeting.agenda_cutoff_at is not None
    return _(
        "Asioiden ehdotusaika päättyi {cutoff}. Ota yhteyttä puheenjohtajaan tai koordinaattoriin."
    ).format(cutoff=moment(meeting.agenda_cutoff_at, zone, language))


def ask_item_title(meeting: Meeting) -> str:
    return _("Ehdota asiaa esityslistalle: {title}\n\nKirjoita asian otsikko.").format(
        title=esc(meeting.title)
    )


def ask_cutoff() -> str:
    return _(
        "Mihin asti jäsenet voivat ehdottaa asioita? "
        "Kirjoita päivä ja aika, esimerkiksi "
        "<code>7.1. 16</code>."
    )


# ---- the organiser's view --------------------------------------------------------------------


def organiser_view(
    meeting: Meeting, accepted: list[AgendaItem], proposed: list[AgendaItem]
) -> tuple[str, InlineKeyboardMarkup]:
    """The listed items with order and edit buttons, the proposals to accept, and publishing."""
    lines = [_("🗂 <b>Esityslista: {title}</b>").format(title=esc(meeting.title))]
    builder = InlineKeyboardBuilder()
    sizes: list[int] = []

    def item_button(text: str, item: AgendaItem, act: ItemAct) -> None:
        builder.button(text=text, callback_data=ItemButton(item_id=item.id, act=act))

    if accepted:
        lines.append(_("Listalla:"))
    for number, item in enumerate(accepted, start=1):
        lines.append(f"{number}. {esc(item.title)}")
        item_button(f"↑ {number}", item, ItemAct.UP)
        item_button(f"↓ {number}", item, ItemAct.DOWN)
        item_button(_("Muokkaa {number}").format(number=number), item, ItemAct.EDIT)
        item_button(_("Poista {number}").format(number=number), item, ItemAct.REJECT)
        sizes.append(4)
    if proposed:
        lines.append("\n" + _("Ehdotukset:"))
    for number, item in enumerate(proposed, start=1):
        label = f"E{number}"
        body = f"\n   {esc(item.body)}" if item.body else ""
        lines.append(f"{label}. {esc(item.title)}{body}")
        item_button(_("Hyväksy {label}").format(label=label), item, ItemAct.ACCEPT)
        item_button(_("Hylkää {label}").format(label=label), item, ItemAct.REJECT)
        sizes.append(2)
    if not accepted and not proposed:
        lines.append(_("Esityslistalla ei ole vielä asioita."))
    builder.button(
        text=_("✍️ Lisää asia"),
        callback_data=MeetingButton(meeting_id=meeting.id, act=MeetingAct.PROPOSE),
    )
    publish = MeetingButton(meeting_id=meeting.id, act=MeetingAct.PUBLISH_AGENDA)
    if meeting.agenda_posted_at is None:
        builder.button(text=_("📣 Julkaise esityslista"), callback_data=publish)
    elif meeting.agenda_changed:
        builder.button(text=_("📣 Lähetä muutokset"), callback_data=publish)
    else:
        lines.append("\n" + _("Esityslista on julkaistu."))
    sizes.append(2)
    builder.adjust(*sizes)
    return "\n".join(lines), builder.as_markup()
