"""What people read about statements: the request, the card, drafts, versions, amendments,
and the buttons that go with them."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.people import Person, Table
from storage.roles import Access
from storage.statements import (
    Amendment,
    Refusal,
    Statement,
    StatementStatus,
    StatementVersion,
    version_diff,
)
from views.callbacks import Cancel, Form, RowId
from views.common import NOT_ALLOWED
from views.pages import Page, PageNumber, add_page_buttons
from views.text import day, esc, moment

# ---- button data ------------------------------------------------------------------------------


class StatementAct(enum.StrEnum):
    """What a button on a statement does."""

    VIEW = "view"
    FILES = "files"
    TEXT = "text"
    DIFF = "diff"
    DRAFT = "draft"
    DONE = "done"  # the draft's last part has come
    AMEND = "amend"
    DRAFTER = "drafter"
    VOTE = "vote"
    DOCX = "docx"
    MARKDOWN = "md"
    DISSENT = "dissent"
    SUBMIT = "submit"


class StatementButton(CallbackData, prefix="sa"):
    statement_id: RowId
    act: StatementAct


class DrafterPick(CallbackData, prefix="sd"):
    statement_id: RowId
    person_id: RowId


class AmendmentAct(enum.StrEnum):
    ACCEPT = "ok"
    REJECT = "no"
    VOTE = "vote"


class AmendmentButton(CallbackData, prefix="ad"):
    amendment_id: RowId
    act: AmendmentAct


class NewStatement(CallbackData, prefix="ns"):
    table_id: RowId


class CompareVersions(CallbackData, prefix="df"):
    statement_id: RowId
    old: RowId  # version numbers
    new: RowId


# ---- answers in the same words everywhere ---------------------------------------------------

ONLY_FOR_MEMBERS = __(
    "Lausunnot ovat pöydän jäsenille. Valmiit lausunnot näet komennolla /lausunnot."
)
NO_APPROVED = __("Hyväksyttyjä lausuntoja ei ole vielä.")
ANSWER_IN_TEXT = __("Kirjoita vastaus tekstinä tai paina Peru.")
NOT_APPROVED_YET = __("Lausuntoa ei ole vielä hyväksytty.")
ONLY_APPROVED_SUBMITTED = __("Vain hyväksytyn lausunnon voi merkitä lähetetyksi.")
ONLY_AGAINST_DISSENT = __("Eriävän mielipiteen voi jättää vain, jos äänestit vastaan.")
TWO_VERSIONS_NEEDED = __("Vertailuun tarvitaan kaksi versiota.")

# The request form, one question a step.
ASK_SUBJECT = __(
    "Uusi lausuntopyyntö.\n\nKirjoita asia lyhyesti. Esimerkki: Asemakaava, Kiveriön alue."
)
SUBJECT_TOO_LONG = __("Kirjoita asia lyhyesti, enintään 300 merkkiä.")
ASK_REQUESTER = __(
    "Kuka pyytää lausuntoa? Kirjoita kaupungin yksikkö. Esimerkki: Kaupunkiympäristön palvelualue."
)
ASK_CASE_NUMBER = __("Kirjoita diaarinumero. Jos sitä ei ole, kirjoita viiva: -")
ASK_BACKGROUND = __(
    "Kirjoita tausta: lyhyt kuvaus ja linkit asiakirjoihin. Jos taustaa ei ole, kirjoita viiva: -"
)
ASK_CITY_DUE = __(
    "Mihin mennessä kaupunki haluaa lausunnon? "
    "Kirjoita päivä, esimerkiksi 14.1.2027 tai 14.1.2027 klo 12.00."
)
ASK_INTERNAL_DUE = __(
    "Mihin mennessä pöydän pitää olla valmis? Tämä on pöydän oma "
    "määräaika. Kirjoita päivä, esimerkiksi 7.1.2027."
)
UNREADABLE_DAY = __("En ymmärtänyt päivää. Kirjoita se näin: 14.1.2027")
DAY_PASSED = __("Päivä on jo mennyt. Kirjoita tuleva päivä.")
INTERNAL_AFTER_CITY = __(
    "Pöydän oma määräaika ei voi olla kaupungin määräajan jälkeen. Kirjoita aikaisempi päivä."
)
REQUEST_MADE = __("Lausuntopyyntö on tehty. Kerroin siitä pöydän jäsenille.")

# Drafting.
ASK_DRAFT = __(
    "Kirjoita luonnoksen teksti. Voit lähettää sen monessa viestissä.\n"
    "Voit myös lähettää tiedoston: .docx, .md tai .txt.\n"
    "Paina lopuksi Valmis."
)
DRAFT_PART_TAKEN = __("Sain tekstin. Lähetä lisää tai paina Valmis.")
DRAFT_EMPTY = __("Luonnos on tyhjä. Kirjoita teksti tai lähetä tiedosto.")
UNKNOWN_FILE_TYPE = __(
    "En osaa lukea tätä tiedostoa. Lähetä .docx-, .md- tai .txt-tiedosto tai kirjoita teksti."
)
FILE_TOO_LARGE = __("Tiedosto on liian suuri. Suurin koko on 1 Mt.")
FILE_TOO_COMPLEX = __(
    "Tiedostossa on liikaa kappaleita tai sisältöä. Lähetä lyhyempi tiedosto "
    "tai kirjoita teksti viestiin."
)
FILE_UNREADABLE = __("En saanut tiedostoa auki. Tarkista tiedosto tai kirjoita teksti viestiin.")
ASK_DRAFTER = __("Kuka kirjoittaa luonnoksen? Valitse laatija.")
DRAFTER_NOT_SEATED = __("Laatijan pitää olla pöydän jäsen.")

# Amendments.
ASK_NEW_PASSAGE = __("Kirjoita uusi teksti, joka tulee tämän kohdan tilalle.")
AMENDMENT_SAVED = __("Muutosehdotus on tallennettu. Laatijat päättävät siitä.")
AMENDMENT_REJECTED = __("Muutosehdotus hylättiin.")

# Dissent and submission.
ASK_DISSENT = __("Kirjoita eriävä mielipiteesi. Se liitetään lausuntoon nimelläsi.")
DISSENT_SAVED = __("Eriävä mielipiteesi on liitetty lausuntoon.")
ASK_SUBMITTED_TO = __(
    "Kenelle lausunto lähetettiin? Kirjoita esimerkiksi: Kaupunkiympäristön palvelualue."
)

REFUSALS: dict[Refusal, LazyProxy] = {
    Refusal.SUPERSEDED: __(
        "Luonnoksesta on tullut uusi versio. Ehdotuksesi koski vanhaa "
        "versiota. Tee ehdotus uuteen versioon."
    ),
    Refusal.PASSAGE_NOT_FOUND: __(
        "En löytänyt tätä kohtaa tekstistä. Kopioi kohta tarkasti ja lähetä se uudelleen."
    ),
    Refusal.EMPTY: __("Viesti on tyhjä. Kirjoita teksti."),
    Refusal.NOT_DRAFTING: __("Luonnosta ei voi enää muuttaa."),
    Refusal.NO_VERSION: __("Luonnosta ei ole vielä."),
    Refusal.ALREADY_DECIDED: __("Tästä ehdotuksesta on jo päätetty."),
    Refusal.NOT_ALLOWED: NOT_ALLOWED,
    Refusal.TOO_LONG: __("Luonnos on liian pitkä. Lähetä se tiedostona."),
}


def refusal_text(refusal: Refusal) -> str:
    return str(REFUSALS[refusal])


def draft_refusal_text(refusal: Refusal) -> str:
    """Why a draft was not saved as a version."""
    if refusal is Refusal.EMPTY:
        return str(DRAFT_EMPTY)
    if refusal is Refusal.TOO_LONG:
        return refusal_text(Refusal.TOO_LONG)
    return refusal_text(Refusal.NOT_DRAFTING)


# ---- keyboards --------------------------------------------------------------------------------


def open_statement_markup(statement_id: int) -> InlineKeyboardMarkup:
    """The one button under every notice about a statement."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=open_statement_label(),
        callback_data=StatementButton(statement_id=statement_id, act=StatementAct.VIEW),
    )
    return builder.as_markup()


def open_statement_label() -> str:
    return _("📝 Avaa lausunto")


def cancel_markup(
    extra: Sequence[tuple[str, CallbackData]] = (),
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for text, data in extra:
        builder.button(text=text, callback_data=data)
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.STATEMENT))
    builder.adjust(1)
    return builder.as_markup()


def draft_markup(statement_id: int) -> InlineKeyboardMarkup:
    done = StatementButton(statement_id=statement_id, act=StatementAct.DONE)
    return cancel_markup([(_("✅ Valmis"), done)])


def drafter_markup(statement_id: int, seated: Sequence[Person]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for member in seated:
        builder.button(
            text=member.full_name,
            callback_data=DrafterPick(statement_id=statement_id, person_id=member.id),
        )
    builder.adjust(2)
    return builder.as_markup()


def amendment_markup(amendment_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for text, act in (
        (_("✅ Hyväksy"), AmendmentAct.ACCEPT),
        (_("❌ Hylkää"), AmendmentAct.REJECT),
        (_("🗳 Äänestykseen"), AmendmentAct.VOTE),
    ):
        builder.button(
            text=text, callback_data=AmendmentButton(amendment_id=amendment_id, act=act)
        )
    builder.adjust(2, 1)
    return builder.as_markup()


# ---- the request and the card ------------------------------------------------------------------


def status_label(status: StatementStatus) -> str:
    return {
        StatementStatus.DRAFTING: _("Luonnos tehdään"),
        StatementStatus.VOTING: _("Äänestys käynnissä"),
        StatementStatus.APPROVED: _("Hyväksytty"),
        StatementStatus.SUBMITTED: _("Lähetetty"),
    }[status]


def days_left(due: datetime, now: datetime) -> int:
    return max(0, (due - now).days)


def request_text(
    statement: Statement, table: Table, zone: ZoneInfo, language: str, now: datetime
) -> str:
    lines = [
        _("📝 <b>Lausuntopyyntö</b>"),
        f"<b>{esc(statement.subject)}</b>",
        esc(table.name(language)),
        _("Pyytäjä: {requester}").format(requester=esc(statement.requester)),
    ]
    if statement.case_number:
        lines.append(_("Diaarinumero: {case}").format(case=esc(statement.case_number)))
    lines.append(
        _("Kaupungin määräaika: {time}").format(time=moment(statement.city_due_at, zone, language))
    )
    lines.append(
        _("Pöydän oma määräaika: {time}").format(
            time=moment(statement.internal_due_at, zone, language)
        )
    )
    lines.append(
        _("Aikaa on {days} päivää.").format(days=days_left(statement.internal_due_at, now))
    )
    if statement.background:
        lines += ["", _("Tausta:"), esc(statement.background)]
    return "\n".join(lines)


def attachment_caption(statement: Statement) -> str:
    return _("Liite: {subject}").format(subject=esc(statement.subject))


@dataclass(frozen=True)
class Card:
    """Everything a statement's card shows, gathered by the handler."""

    statement: Statement
    table: Table
    drafters: list[str]  # names
    version: StatementVersion | None
    author: str | None  # of the current version
    files: list[str]  # names of the background documents


def card_text(card: Card, zone: ZoneInfo, language: str, now: datetime) -> str:
    statement, version = card.statement, card.version
    lines = [
        request_text(statement, card.table, zone, language, now),
        "",
        _("Tila: {status}").format(status=status_label(statement.status)),
    ]
    if card.drafters:
        lines.append(_("Laatijat: {names}").format(names=esc(", ".join(sorted(card.drafters)))))
    if version is not None:
        lines.append(
            _("Luonnos: versio {number}, {author}, {time}").format(
                number=version.number,
                author=esc(card.author or "–"),
                time=moment(version.created_at, zone, language),
            )
        )
    else:
        lines.append(_("Luonnosta ei ole vielä."))
    if card.files:
        lines.append(_("Liitteet: {names}").format(names=esc(", ".join(card.files))))
    if statement.submitted_at:
        lines.append(
            _("Lähetetty {date}: {to}").format(
                date=day(statement.submitted_at.astimezone(zone).date(), language),
                to=esc(statement.submitted_to or ""),
            )
        )
    return "\n".join(lines)


def card_markup(card: Card, access: Access) -> InlineKeyboardMarkup:
    """The acts this person may take on the statement now."""
    statement, version = card.statement, card.version
    table_id = statement.table_id
    builder = InlineKeyboardBuilder()

    def add(text: str, act: StatementAct) -> None:
        builder.button(
            text=text, callback_data=StatementButton(statement_id=statement.id, act=act)
        )

    if card.files:
        add(_("📎 Liitteet"), StatementAct.FILES)
    if version is not None:
        add(_("📄 Näytä teksti"), StatementAct.TEXT)
    if statement.status is StatementStatus.DRAFTING:
        if access.belongs_to(table_id):
            add(_("✍️ Lähetä luonnos"), StatementAct.DRAFT)
        if version is not None and version.number > 1:
            add(_("🔍 Mitä muuttui"), StatementAct.DIFF)
        if version is not None and access.sits_at(table_id):
            add(_("✏️ Muutosehdotus"), StatementAct.AMEND)
        if access.leads(table_id):
            add(_("👤 Nimeä laatija"), StatementAct.DRAFTER)
            if version is not None:
                add(_("🗳 Aloita äänestys"), StatementAct.VOTE)
    if statement.status in (StatementStatus.APPROVED, StatementStatus.SUBMITTED):
        add(_("⬇️ Word (.docx)"), StatementAct.DOCX)
        add(_("⬇️ Markdown (.md)"), StatementAct.MARKDOWN)
        if access.sits_at(table_id):
            add(_("✋ Eriävä mielipide"), StatementAct.DISSENT)
        if access.leads(table_id) and statement.status is StatementStatus.APPROVED:
            add(_("📮 Merkitse lähetetyksi"), StatementAct.SUBMIT)
    builder.adjust(2)
    return builder.as_markup()


# ---- lists ----------------------------------------------------------------------------------


class DraftsPage(CallbackData, prefix="dl"):
    """A page of /luonnokset."""

    page: PageNumber


def working_list_text(page: Page[Statement] | None = None) -> str:
    text = _(
        "Lausunnot, joita tehdään nyt. Valitse yksi.\n"
        "Valmiit lausunnot näet komennolla /lausunnot."
    )
    return f"{text}\n{page.label}" if page is not None and page.label else text


def working_list_markup(
    page: Page[Statement], led: Sequence[Table], language: str, now: datetime
) -> InlineKeyboardMarkup:
    """A page of statements in the making, then a new request for each table this person leads."""
    builder = InlineKeyboardBuilder()
    for statement in page.items:
        builder.button(
            text=_("{subject} ({days} pv)").format(
                subject=statement.subject[:40], days=days_left(statement.internal_due_at, now)
            ),
            callback_data=StatementButton(statement_id=statement.id, act=StatementAct.VIEW),
        )
    builder.adjust(1)
    add_page_buttons(builder, page, lambda number: DraftsPage(page=number))
    for table in led:
        builder.row(
            InlineKeyboardButton(
                text=_("➕ Uusi lausuntopyyntö: {table}").format(table=table.name(language)),
                callback_data=NewStatement(table_id=table.id).pack(),
            )
        )
    return builder.as_markup()


def nothing_found(word: str) -> str:
    return _("Hakusanalla {word} ei löytynyt lausuntoja.").format(word=esc(word))


def approved_list_text(
    found: Sequence[Statement],
    tables: dict[int, Table],
    word: str | None,
    zone: ZoneInfo,
    language: str,
) -> str:
    lines = [
        _("<b>Lausunnot, joissa on sana {word}</b>").format(word=esc(word))
        if word
        else _("<b>Hyväksytyt lausunnot</b>")
    ]
    for statement in found:
        approved = statement.approved_at or statement.created_at
        line = "• " + _("{date} {table}: {subject}").format(
            date=day(approved.astimezone(zone).date(), language),
            table=esc(tables[statement.table_id].name(language)),
            subject=esc(statement.subject),
        )
        if statement.case_number:
            line += f" ({esc(statement.case_number)})"
        lines.append(line)
    return "\n".join(lines)


# ---- text, versions and differences -----------------------------------------------------------


def version_text(statement: Statement, version: StatementVersion) -> str:
    head = _("<b>{subject}</b>, versio {number}").format(
        subject=esc(statement.subject), number=version.number
    )
    return head + "\n\n" + esc(version.text)


def diff_text(old: StatementVersion, new: StatementVersion) -> str:
    diff = version_diff(
        old.text,
        new.text,
        _("versio {number}").format(number=old.number),
        _("versio {number}").format(number=new.number),
    )
    head = _(
        "Mitä muuttui versiosta {old} versioon {new}.\n"
        "Rivi, jonka alussa on −, poistettiin. Rivi, jonka alussa on +, lisättiin."
    ).format(old=old.number, new=new.number)
    if not diff:
        return head + "\n\n" + _("Tekstit ovat samat.")
    return head + "\n\n" + esc(diff)


def older_versions_markup(
    statement_id: int, versions: Sequence[StatementVersion]
) -> InlineKeyboardMarkup | None:
    """With three versions or more, each older one can be compared with the newest."""
    if len(versions) <= 2:
        return None
    latest = versions[-1]
    builder = InlineKeyboardBuilder()
    for older in versions[:-2]:
        builder.button(
            text=_("Vertaa: versio {old} → versio {new}").format(
                old=older.number, new=latest.number
            ),
            callback_data=CompareVersions(
                statement_id=statement_id, old=older.number, new=latest.number
            ),
        )
    builder.adjust(1)
    return builder.as_markup()


def version_saved(number: int) -> str:
    return _("Tallennettu: versio {number}.").format(number=number)


def new_version_notice(number: int, statement: Statement, author: str) -> str:
    return _("✍️ Uusi versio {number}: {subject}\nTekijä: {author}").format(
        number=number, subject=esc(statement.subject), author=esc(author)
    )


def background_file_taken(file_name: str) -> str:
    return _(
        "Sain liitteen: {name}. Lähetä lisää liitteitä tai kirjoita tausta. "
        "Jos taustatekstiä ei ole, kirjoita viiva: -"
    ).format(name=esc(file_name))


def drafter_named(name: str, added: bool) -> str:
    if added:
        return _("{name} on laatija.").format(name=name)
    return _("{name} on jo laatija.").format(name=name)


# ---- amendments -------------------------------------------------------------------------------


def ask_passage(version_number: int) -> str:
    return _(
        "Muutosehdotus versioon {number}.\n\nKopioi tekstistä kohta, "
        "jonka haluat muuttaa, ja lähetä se."
    ).format(number=version_number)


def amendment_text(
    amendment: Amendment, statement: Statement, version_number: int, author: str
) -> str:
    return "\n".join(
        [
            _("✏️ <b>Muutosehdotus</b>: {subject}, versio {number}").format(
                subject=esc(statement.subject), number=version_number
            ),
            _("Ehdottaja: {name}").format(name=esc(author)),
            "",
            _("<b>Nyt:</b>"),
            esc(amendment.old_text),
            "",
            _("<b>Tilalle:</b>"),
            esc(amendment.new_text or _("(poistetaan)")),
        ]
    )


def amendment_accepted(number: int) -> str:
    return _("Muutosehdotus hyväksyttiin. Uusi versio on {number}.").format(number=number)


def amendment_accepted_notice(number: int, statement: Statement) -> str:
    return _("✍️ Uusi versio {number}: {subject}\nMuutosehdotus hyväksyttiin.").format(
        number=number, subject=esc(statement.subject)
    )


# ---- the final statement ------------------------------------------------------------------------


def document_caption(statement: Statement) -> str:
    return _("Lausunto: {subject}").format(subject=esc(statement.subject))


def marked_submitted(to: str) -> str:
    return _("Merkitty lähetetyksi: {to}.").format(to=esc(to))
