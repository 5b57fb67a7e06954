"""What people read about announcements: the form, the announcement, acks, replies, the report."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.announcements import Audience, Channel, Report, WhenProblem
from storage.people import Table
from views.callbacks import RowId
from views.text import TEXT_LIMIT, esc, plain_text

ALL_TABLES = 0
# Announcements are split a little under Telegram's limit, as they always have been.
PART_LIMIT = TEXT_LIMIT - 96


class Step(enum.StrEnum):
    """The author's buttons while writing an announcement."""

    TABLES_DONE = "tables_done"
    WHO_MEMBERS = "who_members"
    WHO_CHAIRS = "who_chairs"
    WHO_COORDINATORS = "who_coordinators"
    PIN = "pin"
    ACK = "ack"
    NOW = "now"
    LATER = "later"
    CANCEL = "cancel"


WHO: dict[Step, Audience] = {
    Step.WHO_MEMBERS: Audience.MEMBERS,
    Step.WHO_CHAIRS: Audience.CHAIRS,
    Step.WHO_COORDINATORS: Audience.COORDINATORS,
}


class AnnTable(CallbackData, prefix="at"):
    table_id: RowId  # ALL_TABLES means every table the author may announce to


class AnnStep(CallbackData, prefix="as"):
    step: Step


class AnnAck(CallbackData, prefix="ak"):
    announcement_id: RowId


class AnnAcks(CallbackData, prefix="al"):
    announcement_id: RowId


class AnnAnswer(CallbackData, prefix="ar"):
    reply_id: RowId


class EmailOption(enum.StrEnum):
    """A channel to choose, or a new address to type."""

    TELEGRAM = Channel.TELEGRAM.value
    BOTH = Channel.BOTH.value
    EMAIL = Channel.EMAIL.value
    ADDRESS = "address"


class EmailChoice(CallbackData, prefix="ep"):
    channel: EmailOption


# ---- writing --------------------------------------------------------------------------------

NOT_AN_AUTHOR = __("Vain koordinaattori tai pöydän puheenjohtaja voi lähettää tiedotteen.")
WRITE = __(
    "Kirjoita tiedote yhteen viestiin.\n\n"
    "Voit myös lähettää kuvan tai tiedoston. "
    "Kirjoita silloin teksti kuvatekstiksi."
)
FILE_NOT_ALLOWED = __(
    "En voi lähettää tätä tiedostoa. Lähetä PDF, Word-, Excel- tai tekstitiedosto tai kuva."
)
NOT_SENDABLE = __("En voi lähettää tätä. Kirjoita tiedote tekstinä, tai lähetä kuva tai tiedosto.")
FILE_TOO_BIG = __("Tiedosto on liian suuri. Suurin koko on 20 Mt.")
EMPTY = __("Tiedote on tyhjä. Kirjoita tiedotteeseen tekstiä.")
CHOOSE_TABLES = __("Kenelle tiedote lähtee? Valitse pöydät ja paina Jatka.")
PICK_A_TABLE = __("Valitse ainakin yksi pöytä.")
CHOOSE_WHO = __("Ketkä pöydistä saavat tiedotteen?")
ASK_WHEN = __("Milloin tiedote lähtee? Kirjoita päivä ja kellonaika, esimerkiksi 14.1. 17.00")
WHEN_PROBLEMS: dict[WhenProblem, LazyProxy] = {
    WhenProblem.FORMAT: __(
        "En ymmärtänyt aikaa. Kirjoita päivä ja kellonaika, esimerkiksi 14.1. 17.00"
    ),
    WhenProblem.NO_SUCH_DAY: __("Tätä päivää ei ole kalenterissa. Tarkista päivä."),
    WhenProblem.PAST: __("Aika on jo mennyt. Kirjoita tuleva aika."),
    WhenProblem.TOO_FAR: __("Aika on yli vuoden päässä. Kirjoita lähempi aika."),
}
NOBODY_REACHED = __(
    "Kukaan ei voi saada tätä tiedotetta: kukaan valituista ei "
    "ole vielä aloittanut bottia. Valitse muut vastaanottajat."
)
SENDING = __("Lähetetään…")
NOTHING_SENT = __("Peruttu. Mitään ei lähetetty.")


def too_long(limit: int) -> str:
    return _("Tiedote on liian pitkä. Lyhennä se alle {limit} merkkiin.").format(limit=limit)


def scheduled(when: str) -> str:
    return _("Tiedote on ajastettu: {when}.\nNäet täällä, miten lähetys etenee.").format(when=when)


def _mark(on: bool) -> str:
    return "✅ " if on else "▫️ "


def _cancel(builder: InlineKeyboardBuilder) -> None:
    builder.button(text=_("Peru"), callback_data=AnnStep(step=Step.CANCEL))


def cancel_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _cancel(builder)
    return builder.as_markup()


def tables_keyboard(
    tables: Sequence[Table], chosen: set[int], language: str
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for table in tables:
        builder.button(
            text=_mark(table.id in chosen) + table.name(language),
            callback_data=AnnTable(table_id=table.id),
        )
    builder.button(
        text=_mark({t.id for t in tables} <= chosen) + _("Kaikki pöydät"),
        callback_data=AnnTable(table_id=ALL_TABLES),
    )
    builder.button(text=_("Jatka"), callback_data=AnnStep(step=Step.TABLES_DONE))
    _cancel(builder)
    builder.adjust(1)
    return builder.as_markup()


def who_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Kaikki jäsenet"), callback_data=AnnStep(step=Step.WHO_MEMBERS))
    builder.button(text=_("Vain puheenjohtajat"), callback_data=AnnStep(step=Step.WHO_CHAIRS))
    builder.button(
        text=_("Vain koordinaattorit"), callback_data=AnnStep(step=Step.WHO_COORDINATORS)
    )
    _cancel(builder)
    builder.adjust(1)
    return builder.as_markup()


def preview_question(people: int, groups: int, emails: int, unreachable: int) -> str:
    """Below the preview: who will get it, and the question to send."""
    summary = _("Vastaanottajia: {people} henkilöä ja {groups} ryhmää.").format(
        people=people, groups=groups
    )
    if emails:
        summary += "\n" + _("Sähköpostilla: {count}.").format(count=emails)
    if unreachable:
        summary += "\n" + _(
            "{count} ei ole vielä aloittanut bottia, eikä heillä ole "
            "sähköpostia. He eivät saa tiedotetta."
        ).format(count=unreachable)
    return "\n\n".join(
        (_("Yllä on esikatselu: näin tiedote näkyy jäsenille."), summary, _("Lähetetäänkö?"))
    )


def options_keyboard(audience: Audience, pin: bool, ack: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if audience is Audience.MEMBERS:
        builder.button(
            text=_mark(pin) + _("Kiinnitä ryhmässä"), callback_data=AnnStep(step=Step.PIN)
        )
    builder.button(
        text=_mark(ack) + _("Olen lukenut -nappi"), callback_data=AnnStep(step=Step.ACK)
    )
    builder.button(text=_("📤 Lähetä nyt"), callback_data=AnnStep(step=Step.NOW))
    builder.button(text=_("🕒 Ajasta"), callback_data=AnnStep(step=Step.LATER))
    _cancel(builder)
    builder.adjust(1)
    return builder.as_markup()


# ---- the announcement, as each reader gets it -----------------------------------------------


def _table_names(tables: Sequence[Table], language: str) -> str:
    return ", ".join(t.name(language) for t in tables)


def _signature(author: str | None) -> str:
    return _("– {name}").format(name=esc(author)) if author else ""


def announcement_text(
    tables: Sequence[Table], language: str, html: str, author: str | None
) -> str:
    """The header in the reader's language, the author's text as written, the author's name."""
    top = _("📢 <b>Tiedote</b> – {tables}").format(tables=esc(_table_names(tables, language)))
    bottom = _signature(author)
    return f"{top}\n\n{html}" + (f"\n\n{bottom}" if bottom else "")


def announcement_subject(tables: Sequence[Table], language: str) -> str:
    return _("Tiedote: {tables}").format(tables=_table_names(tables, language))[:200]


def announcement_email(html: str, author: str | None) -> str:
    bottom = _signature(author)
    return plain_text(html) + (f"\n\n{plain_text(bottom)}" if bottom else "")


def ack_keyboard(announcement_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Olen lukenut"), callback_data=AnnAck(announcement_id=announcement_id)
    )
    return builder.as_markup()


# ---- "I have read this" ---------------------------------------------------------------------

ACK_NOT_YOURS = __("Tämä nappi ei ole sinulle.")
ACK_AGAIN = __("Olet jo kuitannut tämän tiedotteen.")
ACK_SAVED = __("Kiitos! Kuittaus on tallennettu.")


def readers_text(names: Sequence[str]) -> str:
    if not names:
        return _("Kukaan ei ole vielä kuitannut tiedotetta.")
    return (
        _("Lukeneet ({count}):").format(count=len(names))
        + "\n"
        + "\n".join(f"• {esc(n)}" for n in names)
    )


# ---- the author's progress line and report --------------------------------------------------


def progress_line(report: Report) -> str:
    done = report.total - report.waiting_people
    return _("Lähetetään: {done}/{total}").format(done=done, total=report.total)


def report_text(report: Report) -> str:
    lines = [
        _("Tiedote on lähetetty."),
        "",
        _("Perillä: {count}").format(count=report.delivered),
        _("Estänyt botin: {count}").format(count=report.blocked),
        _("Ei ole aloittanut bottia: {count}").format(count=report.never_started),
        _("Epäonnistui: {count}").format(count=report.failed),
    ]
    if report.uncertain:
        lines.append(_("Ehkä perillä (yhteys katkesi): {count}").format(count=report.uncertain))
    if report.emailed or report.email_failed:
        lines.append(_("Sähköpostilla: {count}").format(count=report.emailed))
    if report.email_failed:
        lines.append(_("Sähköposti epäonnistui: {count}").format(count=report.email_failed))
    if report.groups:
        lines.append(
            _("Ryhmät: {done}/{total}").format(done=report.groups_delivered, total=report.groups)
        )
    return "\n".join(lines)


def readers_keyboard(announcement_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("👀 Kuka on lukenut?"), callback_data=AnnAcks(announcement_id=announcement_id)
    )
    return builder.as_markup()


# ---- replies --------------------------------------------------------------------------------

NO_COORDINATOR = __("Viestiä ei voitu välittää: pöydällä ei ole koordinaattoria.")
REPLY_FORWARDED = __("Kiitos! Välitin viestisi koordinaattorille.")
WRITE_ANSWER = __("Kirjoita vastauksesi. Lähetän sen jäsenelle.")
ANSWER_AS_TEXT = __("Kirjoita vastaus tekstinä, tai paina Peru.")
MEMBER_NOT_ON_TELEGRAM = __("Jäsentä ei tavoiteta Telegramissa.")
ANSWER_SENT = __("Vastaus on lähetetty.")


def reply_text(member: str, text: str, announcement_html: str) -> str:
    """A member's reply as a coordinator reads it; what they typed is escaped here."""
    return _("💬 {name} vastasi tiedotteeseen:\n\n{text}\n\n<i>Tiedote: {quote}</i>").format(
        name=esc(member), text=esc(text), quote=esc(plain_text(announcement_html)[:200])
    )


def answer_keyboard(reply_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("↩️ Vastaa"), callback_data=AnnAnswer(reply_id=reply_id))
    return builder.as_markup()


def answer_text(coordinator: str, text: str) -> str:
    return _("💬 Koordinaattori {name} vastasi:\n\n{text}").format(
        name=esc(coordinator), text=esc(text)
    )


# ---- how a person wants announcements: Telegram, e-mail or both -----------------------------

CHANNEL_NAMES: dict[Channel, LazyProxy] = {
    Channel.TELEGRAM: __("Vain Telegram"),
    Channel.BOTH: __("Telegram ja sähköposti"),
    Channel.EMAIL: __("Vain sähköposti"),
}
WRITE_ADDRESS = __("Kirjoita sähköpostiosoitteesi.")
BAD_ADDRESS = __("Sähköpostiosoite ei kelpaa. Kirjoita osoite muodossa nimi@esimerkki.fi")


def email_choice_text(current: Channel, address: str | None) -> str:
    return _(
        "Miten haluat saada tiedotteet ja kokouskutsut?\n\nNyt: {choice}\nSähköposti: {address}"
    ).format(
        choice=str(CHANNEL_NAMES[current]), address=esc(address) if address else _("ei osoitetta")
    )


def email_keyboard(current: Channel) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for channel in Channel:
        builder.button(
            text=("✅ " if channel is current else "") + str(CHANNEL_NAMES[channel]),
            callback_data=EmailChoice(channel=EmailOption(channel.value)),
        )
    builder.button(
        text=_("✏️ Vaihda sähköpostiosoite"),
        callback_data=EmailChoice(channel=EmailOption.ADDRESS),
    )
    builder.adjust(1)
    return builder.as_markup()


def channel_saved(channel: Channel, address: str | None = None) -> str:
    text = _("Tallennettu: {choice}.").format(choice=str(CHANNEL_NAMES[channel]))
    if address is not None:
        text += "\n" + address_saved(address)
    return text


def address_saved(address: str) -> str:
    return _("Sähköposti: {address}").format(address=esc(address))
