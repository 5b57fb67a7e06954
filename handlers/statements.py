"""Statements: the request, drafting in versions, amendments, the approval vote's start,
dissent, the final document and /statements."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsKnown
from handlers.routing import command
from notify.fanout import Rendered
from notify.table import open_topic, send_private, tell_group, tell_members
from storage.audit import record
from storage.people import Person, Table, table_roster, tables_in_order
from storage.roles import CHAIR_ROLES, SEATED_ROLES, Access, Role
from storage.statements import (
    MAX_DRAFT_CHARS,
    SUBJECT_MAX,
    Amendment,
    Refusal,
    Statement,
    StatementStatus,
    StatementVersion,
    add_dissent,
    add_version,
    approval_ballot,
    approved_statements,
    attach,
    attachments_of,
    create_statement,
    current_version,
    decide_amendment,
    dissents_of,
    drafters_of,
    mark_submitted,
    may_draft,
    name_drafter,
    open_statements,
    parse_local_moment,
    propose_amendment,
    version_by_number,
    version_diff,
    versions_of,
)
from storage.vote_rules import Outcome, Tally
from storage.votes import vote_of
from views.callbacks import Cancel, Form, Menu, MenuItem
from views.common import NOT_ALLOWED
from views.documents import (
    DRAFT_FILE_TYPES,
    MAX_UPLOAD_BYTES,
    FileTooLarge,
    StatementDocument,
    UnreadableFile,
    read_draft_file,
    statement_docx,
    statement_markdown,
)
from views.text import day, esc, moment, split_text
from views.votes import OUTCOME_LABELS, tally_line


class StAct(CallbackData, prefix="sa"):
    id: int  # statement id
    act: str


class StDrafter(CallbackData, prefix="sd"):
    id: int
    person: int


class AmDecide(CallbackData, prefix="ad"):
    id: int  # amendment id
    act: str  # "ok", "no", "vote"


class NewStatement(CallbackData, prefix="ns"):
    table_id: int


class StDiff(CallbackData, prefix="df"):
    id: int
    old: int  # version numbers
    new: int


router = Router(name="statements")
# A typed answer in a step of a form; a command goes on to whoever handles it.
ANSWER = F.text & ~F.text.startswith("/")
router.message.filter(IsKnown())
router.callback_query.filter(IsKnown())


class StatementForm(StatesGroup):
    subject = State()
    requester = State()
    case_number = State()
    background = State()
    city_due = State()
    internal_due = State()


class Drafting(StatesGroup):
    collecting = State()


class Amending(StatesGroup):
    old = State()
    new = State()


class Dissenting(StatesGroup):
    text = State()


class Submitting(StatesGroup):
    to = State()


def statement_button(statement_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📝 Avaa lausunto"), callback_data=StAct(id=statement_id, act="view"))
    return builder.as_markup()


def _cancel_markup(extra: list[tuple[str, CallbackData]] | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for text, data in extra or []:
        builder.button(text=text, callback_data=data)
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.STATEMENT))
    builder.adjust(1)
    return builder.as_markup()


def _status_label(status: StatementStatus) -> str:
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


async def _names(session: AsyncSession, ids: set[int] | list[int]) -> dict[int, str]:
    names = {}
    for person_id in ids:
        person = await session.get(Person, person_id)
        if person is not None:
            names[person_id] = person.full_name
    return names


async def card(
    session: AsyncSession,
    statement: Statement,
    access: Access,
    settings: Settings,
    now: datetime,
    language: str,
) -> tuple[str, InlineKeyboardMarkup]:
    table = await session.get(Table, statement.table_id)
    assert table is not None
    zone = settings.zone
    lines = [
        request_text(statement, table, zone, language, now),
        "",
        _("Tila: {status}").format(status=_status_label(statement.status)),
    ]
    drafters = await drafters_of(session, statement.id)
    if drafters:
        names = await _names(session, drafters)
        lines.append(_("Laatijat: {names}").format(names=esc(", ".join(sorted(names.values())))))
    version = await current_version(session, statement.id)
    if version is not None:
        author = await session.get(Person, version.author_id) if version.author_id else None
        lines.append(
            _("Luonnos: versio {number}, {author}, {time}").format(
                number=version.number,
                author=esc(author.full_name if author else "–"),
                time=moment(version.created_at, zone, language),
            )
        )
    else:
        lines.append(_("Luonnosta ei ole vielä."))
    files = await attachments_of(session, statement.id)
    if files:
        lines.append(
            _("Liitteet: {names}").format(names=esc(", ".join(f.file_name for f in files)))
        )
    if statement.submitted_at:
        lines.append(
            _("Lähetetty {date}: {to}").format(
                date=day(statement.submitted_at.astimezone(zone).date(), language),
                to=esc(statement.submitted_to or ""),
            )
        )
    builder = InlineKeyboardBuilder()

    def add(text: str, act: str) -> None:
        builder.button(text=text, callback_data=StAct(id=statement.id, act=act))

    table_id = statement.table_id
    if files:
        add(_("📎 Liitteet"), "files")
    if version is not None:
        add(_("📄 Näytä teksti"), "text")
    if statement.status is StatementStatus.DRAFTING:
        if access.belongs_to(table_id):
            add(_("✍️ Lähetä luonnos"), "draft")
        if version is not None and version.number > 1:
            add(_("🔍 Mitä muuttui"), "diff")
        if version is not None and access.sits_at(table_id):
            add(_("✏️ Muutosehdotus"), "amend")
        if access.leads(table_id):
            add(_("👤 Nimeä laatija"), "drafter")
            if version is not None:
                add(_("🗳 Aloita äänestys"), "vote")
    if statement.status in (StatementStatus.APPROVED, StatementStatus.SUBMITTED):
        add(_("⬇️ Word (.docx)"), "docx")
        add(_("⬇️ Markdown (.md)"), "md")
        if access.sits_at(table_id):
            add(_("✋ Eriävä mielipide"), "dissent")
        if access.leads(table_id) and statement.status is StatementStatus.APPROVED:
            add(_("📮 Merkitse lähetetyksi"), "submit")
    builder.adjust(2)
    return "\n".join(lines), builder.as_markup()


async def _load(session: AsyncSession, statement_id: int, access: Access) -> Statement | None:
    """The statement, if this person may see it: seated at or coordinating its table."""
    statement = await session.get(Statement, statement_id)
    if statement is None or not access.belongs_to(statement.table_id):
        return None
    return statement


# ---- listing and opening ------------------------------------------------------------------


@router.callback_query(MenuItem.filter(F.item == Menu.STATEMENTS))
async def statements_menu(
    query: CallbackQuery,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _show_working_list(query.message, access, session, settings, clock, i18n)


@router.message(command("drafts"))
async def drafts_command(
    message: Message,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    await _show_working_list(message, access, session, settings, clock, i18n)


async def _show_working_list(
    message: Message,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    tables = await tables_in_order(session)
    own = access.own_tables([t.id for t in tables])
    if not own:
        await message.answer(
            _("Lausunnot ovat pöydän jäsenille. Valmiit lausunnot näet komennolla /lausunnot.")
        )
        return
    builder = InlineKeyboardBuilder()
    now = clock.now()
    for statement in await open_statements(session, own):
        builder.button(
            text=_("{subject} ({days} pv)").format(
                subject=statement.subject[:40], days=days_left(statement.internal_due_at, now)
            ),
            callback_data=StAct(id=statement.id, act="view"),
        )
    for table in tables:
        if access.leads(table.id):
            builder.button(
                text=_("➕ Uusi lausuntopyyntö: {table}").format(
                    table=table.name(i18n.current_locale)
                ),
                callback_data=NewStatement(table_id=table.id),
            )
    builder.adjust(1)
    await message.answer(
        _(
            "Lausunnot, joita tehdään nyt. Valitse yksi.\n"
            "Valmiit lausunnot näet komennolla /lausunnot."
        ),
        reply_markup=builder.as_markup(),
    )


@router.message(command("statements"))
async def statements_command(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings, i18n: I18n
) -> None:
    word = (command.args or "").strip()
    found = await approved_statements(session, word or None)
    if not found:
        if word:
            await message.answer(
                _("Hakusanalla {word} ei löytynyt lausuntoja.").format(word=esc(word))
            )
        else:
            await message.answer(_("Hyväksyttyjä lausuntoja ei ole vielä."))
        return
    language = i18n.current_locale
    tables = {t.id: t for t in await tables_in_order(session)}
    lines = [
        _("<b>Hyväksytyt lausunnot</b>")
        if not word
        else _("<b>Lausunnot, joissa on sana {word}</b>").format(word=esc(word))
    ]
    for statement in found:
        approved = statement.approved_at or statement.created_at
        line = "• " + _("{date} {table}: {subject}").format(
            date=day(approved.astimezone(settings.zone).date(), language),
            table=esc(tables[statement.table_id].name(language)),
            subject=esc(statement.subject),
        )
        if statement.case_number:
            line += f" ({esc(statement.case_number)})"
        lines.append(line)
    for part in split_text("\n".join(lines)):
        await message.answer(part)


@router.callback_query(StAct.filter(F.act == "view"))
async def view_statement(
    query: CallbackQuery,
    callback_data: StAct,
    access: Access,
    person: Person,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None:
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    text, markup = await card(
        session, statement, access, settings, clock.now(), i18n.current_locale
    )
    await _reply(query, text, markup)


async def _reply(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Answer in the person's own chat: a card pressed in the group opens privately."""
    bot = query.bot
    assert bot is not None
    parts = split_text(text)
    for index, part in enumerate(parts):
        sent = await send_private(
            bot, query.from_user.id, part, markup if index == len(parts) - 1 else None
        )
        if not sent:
            with suppress(TelegramBadRequest):  # already answered: nothing more to say
                await query.answer(
                    _("Avaa ensin keskustelu kanssani: paina /start yksityisviestissä."),
                    show_alert=True,
                )
            return


# ---- a new request ------------------------------------------------------------------------


@router.callback_query(NewStatement.filter())
async def new_statement(
    query: CallbackQuery, callback_data: NewStatement, access: Access, state: FSMContext
) -> None:
    if not access.leads(callback_data.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    await state.clear()
    await state.set_state(StatementForm.subject)
    await state.update_data(table_id=callback_data.table_id)
    await _reply(
        query,
        _("Uusi lausuntopyyntö.\n\nKirjoita asia lyhyesti. Esimerkki: Asemakaava, Kiveriön alue."),
        _cancel_markup(),
    )


@router.callback_query(Cancel.filter(F.form == Form.STATEMENT))
async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Peruttu."))


def _text_of(message: Message) -> str:
    return (message.text or "").strip()


@router.message(StatementForm.subject, ANSWER)
async def got_subject(message: Message, state: FSMContext) -> None:
    subject = _text_of(message)
    if not subject or len(subject) > SUBJECT_MAX:
        await message.answer(_("Kirjoita asia lyhyesti, enintään 300 merkkiä."))
        return
    await state.update_data(subject=subject)
    await state.set_state(StatementForm.requester)
    await message.answer(
        _(
            "Kuka pyytää lausuntoa? Kirjoita kaupungin yksikkö. "
            "Esimerkki: Kaupunkiympäristön palvelualue."
        ),
        reply_markup=_cancel_markup(),
    )


@router.message(StatementForm.requester, ANSWER)
async def got_requester(message: Message, state: FSMContext) -> None:
    requester = _text_of(message)[:200]
    if not requester:
        return
    await state.update_data(requester=requester)
    await state.set_state(StatementForm.case_number)
    await message.answer(
        _("Kirjoita diaarinumero. Jos sitä ei ole, kirjoita viiva: -"),
        reply_markup=_cancel_markup(),
    )


@router.message(StatementForm.case_number, ANSWER)
async def got_case_number(message: Message, state: FSMContext) -> None:
    case = _text_of(message)[:80]
    await state.update_data(case_number=None if case in ("", "-") else case)
    await state.set_state(StatementForm.background)
    await message.answer(
        _(
            "Kirjoita tausta: lyhyt kuvaus ja linkit asiakirjoihin. "
            "Jos taustaa ei ole, kirjoita viiva: -"
        ),
        reply_markup=_cancel_markup(),
    )


@router.message(StatementForm.background, F.document)
async def got_background_file(message: Message, state: FSMContext) -> None:
    document = message.document
    assert document is not None
    data = await state.get_data()
    files = [
        *data.get("files", []),
        [document.file_id, document.file_name or "liite", document.mime_type],
    ]
    await state.update_data(files=files)
    await message.answer(
        _(
            "Sain liitteen: {name}. Lähetä lisää liitteitä tai kirjoita tausta. "
            "Jos taustatekstiä ei ole, kirjoita viiva: -"
        ).format(name=esc(document.file_name or "")),
        reply_markup=_cancel_markup(),
    )


@router.message(StatementForm.background, ANSWER)
async def got_background(message: Message, state: FSMContext) -> None:
    background = _text_of(message)
    await state.update_data(background=None if background in ("", "-") else background)
    await state.set_state(StatementForm.city_due)
    await message.answer(
        _(
            "Mihin mennessä kaupunki haluaa lausunnon? "
            "Kirjoita päivä, esimerkiksi 14.1.2027 tai 14.1.2027 klo 12.00."
        ),
        reply_markup=_cancel_markup(),
    )


async def _due(message: Message, settings: Settings, clock: Clock) -> datetime | None:
    due = parse_local_moment(_text_of(message), settings.zone)
    if due is None:
        await message.answer(_("En ymmärtänyt päivää. Kirjoita se näin: 14.1.2027"))
        return None
    if due <= clock.now():
        await message.answer(_("Päivä on jo mennyt. Kirjoita tuleva päivä."))
        return None
    return due


@router.message(StatementForm.city_due, ANSWER)
async def got_city_due(
    message: Message, state: FSMContext, settings: Settings, clock: Clock
) -> None:
    due = await _due(message, settings, clock)
    if due is None:
        return
    await state.update_data(city_due_at=due.isoformat())
    await state.set_state(StatementForm.internal_due)
    await message.answer(
        _(
            "Mihin mennessä pöydän pitää olla valmis? Tämä on pöydän oma "
            "määräaika. Kirjoita päivä, esimerkiksi 7.1.2027."
        ),
        reply_markup=_cancel_markup(),
    )


@router.message(StatementForm.internal_due, ANSWER)
async def got_internal_due(
    message: Message,
    state: FSMContext,
    access: Access,
    person: Person,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    due = await _due(message, settings, clock)
    if due is None:
        return
    data = await state.get_data()
    city_due = datetime.fromisoformat(data["city_due_at"])
    if due > city_due:
        await message.answer(
            _(
                "Pöydän oma määräaika ei voi olla kaupungin määräajan "
                "jälkeen. Kirjoita aikaisempi päivä."
            )
        )
        return
    table = await session.get(Table, data["table_id"])
    if table is None or not access.leads(table.id):
        await state.clear()
        await message.answer(str(NOT_ALLOWED))
        return
    now = clock.now()
    statement = await _create(session, table, data, due, city_due, person, now)
    await state.clear()
    statement.group_thread_id = await open_topic(bot, table, statement.subject)
    today = now.astimezone(settings.zone).date()
    files = [
        await attach(
            session, statement, file_name=name, telegram_file_id=file_id, mime_type=mime, now=now
        )
        for file_id, name, mime in data.get("files", [])
    ]

    def render(language: str) -> Rendered:
        return Rendered(
            request_text(statement, table, settings.zone, i18n.current_locale, now),
            statement_button(statement.id),
        )

    def caption(language: str) -> Rendered:
        return Rendered(_("Liite: {subject}").format(subject=esc(statement.subject)), None)

    await tell_members(
        session,
        i18n,
        table_id=table.id,
        batch=f"statement:{statement.id}:new",
        view=render,
        now=now,
        today=today,
    )
    for file in files:
        await tell_members(
            session,
            i18n,
            table_id=table.id,
            batch=f"statement:{statement.id}:file:{file.id}",
            view=caption,
            now=now,
            today=today,
            file=file,
        )
    await tell_group(bot, i18n, table, render, statement.group_thread_id)
    for file in files:
        await tell_group(bot, i18n, table, caption, statement.group_thread_id, file=file)
    await message.answer(_("Lausuntopyyntö on tehty. Kerroin siitä pöydän jäsenille."))


async def _create(
    session: AsyncSession,
    table: Table,
    data: dict[str, object],
    due: datetime,
    city_due: datetime,
    person: Person,
    now: datetime,
) -> Statement:
    return await create_statement(
        session,
        table_id=table.id,
        subject=str(data["subject"]),
        requester=str(data["requester"]),
        case_number=data["case_number"] if isinstance(data["case_number"], str) else None,
        background=data["background"] if isinstance(data["background"], str) else None,
        city_due_at=city_due,
        internal_due_at=due,
        by=person.id,
        now=now,
    )


# ---- text, versions and differences ---------------------------------------------------------


@router.callback_query(StAct.filter(F.act == "files"))
async def send_files(
    query: CallbackQuery, callback_data: StAct, access: Access, session: AsyncSession
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None:
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    assert query.bot is not None
    for file in await attachments_of(session, statement.id):
        if file.telegram_file_id:
            with suppress(TelegramBadRequest, TelegramForbiddenError):
                await query.bot.send_document(query.from_user.id, file.telegram_file_id)


@router.callback_query(StAct.filter(F.act == "text"))
async def show_text(
    query: CallbackQuery, callback_data: StAct, access: Access, session: AsyncSession
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None:
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    version = await current_version(session, statement.id)
    if version is None:
        await query.answer(_("Luonnosta ei ole vielä."), show_alert=True)
        return
    await query.answer()
    head = _("<b>{subject}</b>, versio {number}").format(
        subject=esc(statement.subject), number=version.number
    )
    await _reply(query, head + "\n\n" + esc(version.text))


@router.callback_query(StAct.filter(F.act == "diff"))
async def show_diff(
    query: CallbackQuery, callback_data: StAct, access: Access, session: AsyncSession
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None:
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    versions = await versions_of(session, statement.id)
    if len(versions) < 2:
        await query.answer(_("Vertailuun tarvitaan kaksi versiota."), show_alert=True)
        return
    await query.answer()
    latest = versions[-1]
    builder = InlineKeyboardBuilder()
    for older in versions[:-2]:
        builder.button(
            text=_("Vertaa: versio {old} → versio {new}").format(
                old=older.number, new=latest.number
            ),
            callback_data=StDiff(id=statement.id, old=older.number, new=latest.number),
        )
    builder.adjust(1)
    await _reply(
        query, diff_text(versions[-2], latest), builder.as_markup() if len(versions) > 2 else None
    )


@router.callback_query(StDiff.filter())
async def show_chosen_diff(
    query: CallbackQuery, callback_data: StDiff, access: Access, session: AsyncSession
) -> None:
    statement = await _load(session, callback_data.id, access)
    old = await version_by_number(session, statement.id, callback_data.old) if statement else None
    new = await version_by_number(session, statement.id, callback_data.new) if statement else None
    if statement is None or old is None or new is None:
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    await _reply(query, diff_text(old, new))


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


# ---- drafting -------------------------------------------------------------------------------


@router.callback_query(StAct.filter(F.act == "draft"))
async def start_draft(
    query: CallbackQuery,
    callback_data: StAct,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None:
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    if statement.status is not StatementStatus.DRAFTING:
        await query.answer(_("Luonnosta ei voi enää muuttaa."), show_alert=True)
        return
    await query.answer()
    await state.clear()
    await state.set_state(Drafting.collecting)
    await state.update_data(statement_id=statement.id, parts=[])
    await _reply(
        query,
        _(
            "Kirjoita luonnoksen teksti. Voit lähettää sen monessa viestissä.\n"
            "Voit myös lähettää tiedoston: .docx, .md tai .txt.\n"
            "Paina lopuksi Valmis."
        ),
        _draft_markup(statement.id),
    )


def _draft_markup(statement_id: int) -> InlineKeyboardMarkup:
    return _cancel_markup([(_("✅ Valmis"), StAct(id=statement_id, act="done"))])


@router.message(Drafting.collecting, ANSWER)
async def draft_part(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    parts: list[str] = [*data.get("parts", []), message.text or ""]
    if sum(len(p) for p in parts) > MAX_DRAFT_CHARS:
        await message.answer(_("Luonnos on liian pitkä. Lähetä se tiedostona."))
        return
    await state.update_data(parts=parts)
    await message.answer(
        _("Sain tekstin. Lähetä lisää tai paina Valmis."),
        reply_markup=_draft_markup(data["statement_id"]),
    )


@router.callback_query(Drafting.collecting, StAct.filter(F.act == "done"))
async def draft_done(
    query: CallbackQuery,
    callback_data: StAct,
    access: Access,
    person: Person,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    data = await state.get_data()
    statement = await _load(session, callback_data.id, access)
    if statement is None or data.get("statement_id") != statement.id:
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    text = "\n\n".join(data.get("parts", []))
    await _save_version(query, statement, text, person, session, state, clock, bot, i18n)


@router.message(Drafting.collecting, F.document)
async def draft_file(
    message: Message,
    access: Access,
    person: Person,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    document = message.document
    assert document is not None
    name = document.file_name or ""
    if not name.lower().endswith(DRAFT_FILE_TYPES):
        await message.answer(
            _(
                "En osaa lukea tätä tiedostoa. "
                "Lähetä .docx-, .md- tai .txt-tiedosto tai kirjoita teksti."
            )
        )
        return
    if (document.file_size or 0) > MAX_UPLOAD_BYTES:
        await message.answer(_("Tiedosto on liian suuri. Suurin koko on 1 Mt."))
        return
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None
    try:
        text = read_draft_file(name, downloaded.read())
    except FileTooLarge:
        await message.answer(_("Tiedosto on liian suuri. Suurin koko on 1 Mt."))
        return
    except UnreadableFile:
        await message.answer(
            _("En saanut tiedostoa auki. Tarkista tiedosto tai kirjoita teksti viestiin.")
        )
        return
    data = await state.get_data()
    statement = await _load(session, data.get("statement_id", 0), access)
    if statement is None:
        await state.clear()
        await message.answer(str(NOT_ALLOWED))
        return
    await _save_version(
        message, statement, text, person, session, state, clock, bot, i18n, file_name=name
    )


async def _save_version(
    event: Message | CallbackQuery,
    statement: Statement,
    text: str,
    person: Person,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
    file_name: str | None = None,
) -> None:
    now = clock.now()
    result = await add_version(
        session,
        statement,
        text=text,
        author_id=person.id,
        now=now,
        source="file" if file_name else "text",
        file_name=file_name,
    )
    if isinstance(result, Refusal):
        reply = {
            Refusal.EMPTY: _("Luonnos on tyhjä. Kirjoita teksti tai lähetä tiedosto."),
            Refusal.TOO_LONG: _("Luonnos on liian pitkä. Lähetä se tiedostona."),
        }.get(result, _("Luonnosta ei voi enää muuttaa."))
        if result is Refusal.NOT_DRAFTING:
            await state.clear()
        await _answer(event, reply)
        return
    await state.clear()
    await record(
        session,
        actor_id=person.id,
        action="statement.version",
        subject=f"statement:{statement.id}",
        detail={"number": result.number},
        at=now,
    )
    await _answer(
        event, _("Tallennettu: versio {number}.").format(number=result.number), alert=False
    )
    table = await session.get(Table, statement.table_id)
    assert table is not None

    def render(language: str) -> Rendered:
        return Rendered(
            _("✍️ Uusi versio {number}: {subject}\nTekijä: {author}").format(
                number=result.number, subject=esc(statement.subject), author=esc(person.full_name)
            ),
            statement_button(statement.id),
        )

    await tell_group(bot, i18n, table, render, statement.group_thread_id)


async def _answer(event: Message | CallbackQuery, text: str, alert: bool = True) -> None:
    if isinstance(event, Message):
        await event.answer(text)
        return
    if alert:
        await event.answer(text, show_alert=True)
        return
    await event.answer()
    if isinstance(event.message, Message):
        await event.message.answer(text)


# ---- drafters -------------------------------------------------------------------------------


@router.callback_query(StAct.filter(F.act == "drafter"))
async def choose_drafter(
    query: CallbackQuery,
    callback_data: StAct,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None or not access.leads(statement.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    today = clock.now().astimezone(settings.zone).date()
    builder = InlineKeyboardBuilder()
    for member, role in await table_roster(session, statement.table_id, today):
        if role in SEATED_ROLES:
            builder.button(
                text=member.full_name, callback_data=StDrafter(id=statement.id, person=member.id)
            )
    builder.adjust(2)
    await _reply(query, _("Kuka kirjoittaa luonnoksen? Valitse laatija."), builder.as_markup())


@router.callback_query(StDrafter.filter())
async def drafter_chosen(
    query: CallbackQuery,
    callback_data: StDrafter,
    access: Access,
    person: Person,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None or not access.leads(statement.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    today = clock.now().astimezone(settings.zone).date()
    seated = {
        m.id: m
        for m, role in await table_roster(session, statement.table_id, today)
        if role in SEATED_ROLES
    }
    drafter = seated.get(callback_data.person)
    if drafter is None:
        await query.answer(_("Laatijan pitää olla pöydän jäsen."), show_alert=True)
        return
    added = await name_drafter(session, statement, drafter.id, person.id, clock.now())
    await query.answer(
        _("{name} on laatija.").format(name=drafter.full_name)
        if added
        else _("{name} on jo laatija.").format(name=drafter.full_name)
    )


# ---- amendments -----------------------------------------------------------------------------


@router.callback_query(StAct.filter(F.act == "amend"))
async def start_amendment(
    query: CallbackQuery,
    callback_data: StAct,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None or not access.sits_at(statement.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    version = await current_version(session, statement.id)
    if version is None or statement.status is not StatementStatus.DRAFTING:
        await query.answer(_("Luonnosta ei voi enää muuttaa."), show_alert=True)
        return
    await query.answer()
    await state.clear()
    await state.set_state(Amending.old)
    await state.update_data(statement_id=statement.id, version_id=version.id)
    await _reply(
        query,
        _(
            "Muutosehdotus versioon {number}.\n\nKopioi tekstistä kohta, "
            "jonka haluat muuttaa, ja lähetä se."
        ).format(number=version.number),
        _cancel_markup(),
    )


def _refusal_text(refusal: Refusal) -> str:
    return {
        Refusal.SUPERSEDED: _(
            "Luonnoksesta on tullut uusi versio. Ehdotuksesi koski vanhaa "
            "versiota. Tee ehdotus uuteen versioon."
        ),
        Refusal.PASSAGE_NOT_FOUND: _(
            "En löytänyt tätä kohtaa tekstistä. Kopioi kohta tarkasti ja lähetä se uudelleen."
        ),
        Refusal.EMPTY: _("Viesti on tyhjä. Kirjoita teksti."),
        Refusal.NOT_DRAFTING: _("Luonnosta ei voi enää muuttaa."),
        Refusal.NO_VERSION: _("Luonnosta ei ole vielä."),
        Refusal.ALREADY_DECIDED: _("Tästä ehdotuksesta on jo päätetty."),
        Refusal.NOT_ALLOWED: str(NOT_ALLOWED),
        Refusal.TOO_LONG: _("Luonnos on liian pitkä. Lähetä se tiedostona."),
    }[refusal]


@router.message(Amending.old, ANSWER)
async def amendment_old(message: Message, state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    version = await current_version(session, data["statement_id"])
    if version is None or version.id != data["version_id"]:
        await state.clear()
        await message.answer(_refusal_text(Refusal.SUPERSEDED))
        return
    passage = _text_of(message)
    if not passage or passage not in version.text:
        await message.answer(_refusal_text(Refusal.PASSAGE_NOT_FOUND))
        return
    await state.update_data(old=passage)
    await state.set_state(Amending.new)
    await message.answer(
        _("Kirjoita uusi teksti, joka tulee tämän kohdan tilalle."), reply_markup=_cancel_markup()
    )


@router.message(Amending.new, ANSWER)
async def amendment_new(
    message: Message,
    state: FSMContext,
    access: Access,
    person: Person,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    data = await state.get_data()
    statement = await _load(session, data["statement_id"], access)
    if statement is None or not access.sits_at(statement.table_id):
        await state.clear()
        await message.answer(str(NOT_ALLOWED))
        return
    now = clock.now()
    result = await propose_amendment(
        session,
        statement,
        version_id=data["version_id"],
        old_text=data["old"],
        new_text=_text_of(message),
        author_id=person.id,
        now=now,
    )
    await state.clear()
    if isinstance(result, Refusal):
        await message.answer(_refusal_text(result))
        return
    await message.answer(_("Muutosehdotus on tallennettu. Laatijat päättävät siitä."))
    drafters = await drafters_of(session, statement.id)
    today = now.astimezone(settings.zone).date()
    roster = await table_roster(session, statement.table_id, today)
    deciders = {
        p.id
        for p, role in roster
        if p.id in drafters or role in CHAIR_ROLES or role is Role.COORDINATOR
    }
    version = await session.get(StatementVersion, result.version_id)
    assert version is not None

    def render(language: str) -> Rendered:
        return Rendered(
            amendment_text(result, statement, version, person.full_name),
            amendment_markup(result.id),
        )

    await tell_members(
        session,
        i18n,
        table_id=statement.table_id,
        batch=f"amendment:{result.id}:new",
        view=render,
        now=now,
        today=today,
        only=deciders,
    )


def amendment_text(
    amendment: Amendment, statement: Statement, version: StatementVersion, author: str
) -> str:
    return "\n".join(
        [
            _("✏️ <b>Muutosehdotus</b>: {subject}, versio {number}").format(
                subject=esc(statement.subject), number=version.number
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


def amendment_markup(amendment_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Hyväksy"), callback_data=AmDecide(id=amendment_id, act="ok"))
    builder.button(text=_("❌ Hylkää"), callback_data=AmDecide(id=amendment_id, act="no"))
    builder.button(text=_("🗳 Äänestykseen"), callback_data=AmDecide(id=amendment_id, act="vote"))
    builder.adjust(2, 1)
    return builder.as_markup()


@router.callback_query(AmDecide.filter(F.act.in_({"ok", "no"})))
async def amendment_decided(
    query: CallbackQuery,
    callback_data: AmDecide,
    access: Access,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    amendment = await session.get(Amendment, callback_data.id)
    statement = await _load(session, amendment.statement_id, access) if amendment else None
    if (
        amendment is None
        or statement is None
        or not may_draft(
            access, statement.table_id, person.id, await drafters_of(session, statement.id)
        )
    ):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    now = clock.now()
    accept = callback_data.act == "ok"
    result = await decide_amendment(session, amendment, accept=accept, by=person.id, now=now)
    if isinstance(result, Refusal):
        await query.answer(_refusal_text(result), show_alert=True)
        return
    await record(
        session,
        actor_id=person.id,
        action="amendment.decide",
        subject=f"amendment:{amendment.id}",
        detail={"accepted": accept},
        at=now,
    )
    if result is None:
        await query.answer(_("Muutosehdotus hylättiin."), show_alert=True)
        return
    await query.answer(
        _("Muutosehdotus hyväksyttiin. Uusi versio on {number}.").format(number=result.number),
        show_alert=True,
    )
    table = await session.get(Table, statement.table_id)
    assert table is not None

    def render(language: str) -> Rendered:
        return Rendered(
            _("✍️ Uusi versio {number}: {subject}\nMuutosehdotus hyväksyttiin.").format(
                number=result.number, subject=esc(statement.subject)
            ),
            statement_button(statement.id),
        )

    await tell_group(bot, i18n, table, render, statement.group_thread_id)


# ---- dissent, documents, submission ---------------------------------------------------------


@router.callback_query(StAct.filter(F.act == "dissent"))
async def start_dissent(
    query: CallbackQuery,
    callback_data: StAct,
    access: Access,
    person: Person,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None or not access.sits_at(statement.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    ballot = await approval_ballot(session, statement.id)
    vote = await vote_of(session, ballot.id, person.id) if ballot else None
    if (
        vote is None
        or vote.choice.value not in ("disagree", "block")
        or statement.status not in (StatementStatus.APPROVED, StatementStatus.SUBMITTED)
    ):
        await query.answer(
            _("Eriävän mielipiteen voi jättää vain, jos äänestit vastaan."), show_alert=True
        )
        return
    await query.answer()
    await state.clear()
    await state.set_state(Dissenting.text)
    await state.update_data(statement_id=statement.id)
    await _reply(
        query,
        _("Kirjoita eriävä mielipiteesi. Se liitetään lausuntoon nimelläsi."),
        _cancel_markup(),
    )


@router.message(Dissenting.text, ANSWER)
async def got_dissent(
    message: Message,
    state: FSMContext,
    access: Access,
    person: Person,
    session: AsyncSession,
    clock: Clock,
) -> None:
    data = await state.get_data()
    statement = await _load(session, data["statement_id"], access)
    if statement is None:
        await state.clear()
        await message.answer(str(NOT_ALLOWED))
        return
    result = await add_dissent(session, statement, person.id, _text_of(message), clock.now())
    if isinstance(result, Refusal):
        if result is Refusal.EMPTY:
            await message.answer(_refusal_text(result))
            return
        await state.clear()
        await message.answer(_("Eriävän mielipiteen voi jättää vain, jos äänestit vastaan."))
        return
    await state.clear()
    await message.answer(_("Eriävä mielipiteesi on liitetty lausuntoon."))


async def build_document(
    session: AsyncSession, statement: Statement, settings: Settings, language: str
) -> StatementDocument:
    table = await session.get(Table, statement.table_id)
    assert table is not None and statement.approved_version is not None
    version = await version_by_number(session, statement.id, statement.approved_version)
    assert version is not None
    zone = settings.zone
    approved = statement.approved_at or statement.created_at
    facts = [
        (_("Pöytä"), table.name(language)),
        (_("Päivämäärä"), day(approved.astimezone(zone).date(), language)),
        (_("Asia"), statement.subject),
        (_("Pyytäjä"), statement.requester),
    ]
    if statement.case_number:
        facts.append((_("Diaarinumero"), statement.case_number))
    facts.append((_("Määräaika"), day(statement.city_due_at.astimezone(zone).date(), language)))
    if statement.submitted_at:
        facts.append(
            (
                _("Lähetetty"),
                _("{date}, vastaanottaja: {to}").format(
                    date=day(statement.submitted_at.astimezone(zone).date(), language),
                    to=statement.submitted_to or "",
                ),
            )
        )
    ballot = await approval_ballot(session, statement.id)
    vote_lines: list[str] = []
    if ballot is not None and ballot.result:
        result = ballot.result
        vote_lines.append(tally_line(Tally(**result.get("tally", {}))))
        vote_lines.append(
            _("Äänesti {voted}/{seated}.").format(
                voted=result.get("voted", 0), seated=result.get("seated", 0)
            )
        )
        outcome = Outcome(ballot.outcome) if ballot.outcome else Outcome.NO_QUORUM
        vote_lines.append(_("Tulos: {outcome}").format(outcome=OUTCOME_LABELS[outcome]))
    dissents = []
    for opinion in await dissents_of(session, statement.id):
        author = await session.get(Person, opinion.person_id)
        dissents.append((author.full_name if author else "–", opinion.text))
    return StatementDocument(
        title=_("Lausunto: {subject}").format(subject=statement.subject),
        facts=facts,
        text=version.text,
        vote_heading=_("Äänestyksen tulos"),
        vote_lines=vote_lines,
        dissent_heading=_("Eriävät mielipiteet"),
        dissents=dissents,
    )


@router.callback_query(StAct.filter(F.act.in_({"docx", "md"})))
async def export(
    query: CallbackQuery,
    callback_data: StAct,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    i18n: I18n,
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None:
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    if statement.status not in (StatementStatus.APPROVED, StatementStatus.SUBMITTED):
        await query.answer(_("Lausuntoa ei ole vielä hyväksytty."), show_alert=True)
        return
    await query.answer()
    document = await build_document(session, statement, settings, i18n.current_locale)
    base = f"lausunto-{statement.id}"
    if callback_data.act == "docx":
        upload = BufferedInputFile(statement_docx(document), filename=f"{base}.docx")
    else:
        upload = BufferedInputFile(statement_markdown(document).encode(), filename=f"{base}.md")
    assert query.bot is not None
    await query.bot.send_document(
        query.from_user.id,
        upload,
        caption=_("Lausunto: {subject}").format(subject=esc(statement.subject)),
    )


@router.callback_query(StAct.filter(F.act == "submit"))
async def start_submit(
    query: CallbackQuery,
    callback_data: StAct,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    statement = await _load(session, callback_data.id, access)
    if statement is None or not access.leads(statement.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    if statement.status is not StatementStatus.APPROVED:
        await query.answer(
            _("Vain hyväksytyn lausunnon voi merkitä lähetetyksi."), show_alert=True
        )
        return
    await query.answer()
    await state.clear()
    await state.set_state(Submitting.to)
    await state.update_data(statement_id=statement.id)
    await _reply(
        query,
        _("Kenelle lausunto lähetettiin? Kirjoita esimerkiksi: Kaupunkiympäristön palvelualue."),
        _cancel_markup(),
    )


@router.message(Submitting.to, ANSWER)
async def got_submitted_to(
    message: Message,
    state: FSMContext,
    access: Access,
    person: Person,
    session: AsyncSession,
    clock: Clock,
) -> None:
    data = await state.get_data()
    statement = await _load(session, data["statement_id"], access)
    await state.clear()
    if (
        statement is None
        or not access.leads(statement.table_id)
        or statement.status is not StatementStatus.APPROVED
    ):
        await message.answer(_("Vain hyväksytyn lausunnon voi merkitä lähetetyksi."))
        return
    to = _text_of(message)[:200]
    await mark_submitted(session, statement, to=to, by=person.id, now=clock.now())
    await message.answer(_("Merkitty lähetetyksi: {to}.").format(to=esc(to)))


@router.message(StateFilter(StatementForm, Drafting, Amending, Dissenting, Submitting), ~F.text)
async def not_text(message: Message) -> None:
    await message.answer(_("Kirjoita vastaus tekstinä tai paina Peru."))
