"""/announce (/tiedote): write, pick the audience, preview, send now or later; acks, replies."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import command
from storage.announcements import (
    ANNOUNCEMENT_MAX,
    FILE_MAX_BYTES,
    TEXT_MAX,
    Acknowledgement,
    Announcement,
    AnnouncementStatus,
    Audience,
    Channel,
    Content,
    Reply,
    WhenProblem,
    announcement_for_message,
    audience_people,
    file_allowed,
    parse_when,
    preferences,
    queue_announcement,
    route,
    set_preference,
    split_html,
    visible_length,
)
from storage.audit import record
from storage.outbox import OutboxKind, StoredFile, enqueue
from storage.people import Person, Table, tables_in_order
from storage.roles import Access
from views.callbacks import Menu, MenuItem
from views.text import esc, moment, plain_text

router = Router(name="announcements")
router.message.filter(F.chat.type == "private")


class AnnTable(CallbackData, prefix="at"):
    table_id: int  # 0 means every table the author may announce to


class AnnStep(CallbackData, prefix="as"):
    step: str  # tables_done, who_<audience>, pin, ack, now, later, cancel


class AnnAck(CallbackData, prefix="ak"):
    announcement_id: int


class AnnAcks(CallbackData, prefix="al"):
    announcement_id: int


class AnnAnswer(CallbackData, prefix="ar"):
    reply_id: int


class EmailChoice(CallbackData, prefix="ep"):
    channel: str  # a Channel value, or "address" to type a new address


class Announce(StatesGroup):
    text = State()
    tables = State()
    who = State()
    options = State()
    when = State()


class Answering(StatesGroup):
    text = State()


class EmailAddress(StatesGroup):
    address = State()


EMAIL_RE = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]+\.[^@\s<>]{2,}$")


def _today(clock: Clock, settings: Settings) -> Any:
    return clock.now().astimezone(settings.zone).date()


async def _led_tables(session: AsyncSession, access: Access) -> list[Table]:
    return [t for t in await tables_in_order(session) if access.leads(t.id)]


def _cancel_button(builder: InlineKeyboardBuilder) -> None:
    builder.button(text=_("Peru"), callback_data=AnnStep(step="cancel"))


# ---- writing --------------------------------------------------------------------------------


@router.message(command("announce"))
async def announce_command(
    message: Message, access: Access, session: AsyncSession, state: FSMContext
) -> None:
    await _start(message, access, session, state)


@router.callback_query(MenuItem.filter(F.item == Menu.ANNOUNCE))
async def announce_button(
    query: CallbackQuery, access: Access, session: AsyncSession, state: FSMContext
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _start(query.message, access, session, state)


async def _start(
    message: Message, access: Access, session: AsyncSession, state: FSMContext
) -> None:
    if not await _led_tables(session, access):
        await message.answer(
            _("Vain koordinaattori tai pöydän puheenjohtaja voi lähettää tiedotteen.")
        )
        return
    await state.clear()
    await state.set_state(Announce.text)
    builder = InlineKeyboardBuilder()
    _cancel_button(builder)
    await message.answer(
        _(
            "Kirjoita tiedote yhteen viestiin.\n\n"
            "Voit myös lähettää kuvan tai tiedoston. "
            "Kirjoita silloin teksti kuvatekstiksi."
        ),
        reply_markup=builder.as_markup(),
    )


@router.message(StateFilter(Announce.text))
async def text_written(
    message: Message, state: FSMContext, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    file: dict[str, Any] | None = None
    if message.photo:
        photo = message.photo[-1]
        file = {
            "kind": OutboxKind.PHOTO.value,
            "telegram_id": photo.file_id,
            "name": "kuva.jpg",
            "mime": "image/jpeg",
            "size": photo.file_size or 0,
        }
    elif message.document:
        document = message.document
        if not file_allowed(document.file_name, document.mime_type):
            await message.answer(
                _(
                    "En voi lähettää tätä tiedostoa. Lähetä PDF, Word-, "
                    "Excel- tai tekstitiedosto tai kuva."
                )
            )
            return
        file = {
            "kind": OutboxKind.DOCUMENT.value,
            "telegram_id": document.file_id,
            "name": document.file_name or "liite",
            "mime": document.mime_type,
            "size": document.file_size or 0,
        }
    elif not message.text:
        await message.answer(
            _("En voi lähettää tätä. Kirjoita tiedote tekstinä, tai lähetä kuva tai tiedosto.")
        )
        return
    if file is not None and file["size"] > FILE_MAX_BYTES:
        await message.answer(_("Tiedosto on liian suuri. Suurin koko on 20 Mt."))
        return
    body = (message.html_text if (message.text or message.caption) else "").strip()
    if not plain_text(body).strip():
        await message.answer(_("Tiedote on tyhjä. Kirjoita tiedotteeseen tekstiä."))
        return
    if visible_length(body) > ANNOUNCEMENT_MAX:
        await message.answer(
            _("Tiedote on liian pitkä. Lyhennä se alle {limit} merkkiin.").format(
                limit=ANNOUNCEMENT_MAX
            )
        )
        return
    await state.update_data(html=body, file=file)
    tables = await _led_tables(session, access)
    if len(tables) == 1:
        await state.update_data(tables=[tables[0].id])
        await _ask_who(message, state)
        return
    await state.update_data(tables=[])
    await state.set_state(Announce.tables)
    await message.answer(
        _("Kenelle tiedote lähtee? Valitse pöydät ja paina Jatka."),
        reply_markup=_tables_keyboard(tables, set(), i18n.current_locale),
    )


def _tables_keyboard(tables: list[Table], chosen: set[int], language: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for table in tables:
        mark = "✅ " if table.id in chosen else "▫️ "
        builder.button(text=mark + table.name(language), callback_data=AnnTable(table_id=table.id))
    all_chosen = {t.id for t in tables} <= chosen
    builder.button(
        text=("✅ " if all_chosen else "▫️ ") + _("Kaikki pöydät"),
        callback_data=AnnTable(table_id=0),
    )
    builder.button(text=_("Jatka"), callback_data=AnnStep(step="tables_done"))
    _cancel_button(builder)
    builder.adjust(1)
    return builder.as_markup()


@router.callback_query(StateFilter(Announce.tables), AnnTable.filter())
async def table_toggled(
    query: CallbackQuery,
    callback_data: AnnTable,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    tables = await _led_tables(session, access)
    allowed = {t.id for t in tables}
    if callback_data.table_id != 0 and callback_data.table_id not in allowed:
        await query.answer(_("Sinulla ei ole oikeutta tähän."), show_alert=True)
        return
    chosen = set((await state.get_data()).get("tables", [])) & allowed
    if callback_data.table_id == 0:
        chosen = set() if allowed <= chosen else set(allowed)
    else:
        chosen ^= {callback_data.table_id}
    await state.update_data(tables=sorted(chosen))
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(
            reply_markup=_tables_keyboard(tables, chosen, i18n.current_locale)
        )


@router.callback_query(StateFilter(Announce.tables), AnnStep.filter(F.step == "tables_done"))
async def tables_done(query: CallbackQuery, state: FSMContext, access: Access) -> None:
    chosen = (await state.get_data()).get("tables", [])
    if not chosen:
        await query.answer(_("Valitse ainakin yksi pöytä."), show_alert=True)
        return
    if not all(access.leads(t) for t in chosen):
        await query.answer(_("Sinulla ei ole oikeutta tähän."), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await _ask_who(query.message, state)


async def _ask_who(message: Message, state: FSMContext) -> None:
    await state.set_state(Announce.who)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Kaikki jäsenet"), callback_data=AnnStep(step="who_members"))
    builder.button(text=_("Vain puheenjohtajat"), callback_data=AnnStep(step="who_chairs"))
    builder.button(text=_("Vain koordinaattorit"), callback_data=AnnStep(step="who_coordinators"))
    _cancel_button(builder)
    builder.adjust(1)
    await message.answer(_("Ketkä pöydistä saavat tiedotteen?"), reply_markup=builder.as_markup())


@router.callback_query(StateFilter(Announce.who), AnnStep.filter(F.step.startswith("who_")))
async def who_chosen(
    query: CallbackQuery,
    callback_data: AnnStep,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
    i18n: I18n,
) -> None:
    word = callback_data.step.removeprefix("who_")
    data = await state.get_data()
    if word not in set(Audience) or not all(access.leads(t) for t in data.get("tables", [])):
        await query.answer(_("Sinulla ei ole oikeutta tähän."), show_alert=True)
        return
    await state.update_data(audience=word, pin=False, ack=False)
    await state.set_state(Announce.options)
    await query.answer()
    if isinstance(query.message, Message):
        await _show_preview(query.message, state, session, settings, clock, person, i18n)


def _header(tables: list[Table], language: str, author: Person | None) -> tuple[str, str]:
    names = ", ".join(t.name(language) for t in tables)
    top = _("📢 <b>Tiedote</b> – {tables}").format(tables=esc(names))
    bottom = _("– {name}").format(name=esc(author.full_name)) if author else ""
    return top, bottom


async def _content(
    data: dict[str, Any],
    session: AsyncSession,
    person: Person | None,
    language: str,
    announcement_id: int | None,
) -> Content:
    tables = [t for t in await tables_in_order(session) if t.id in data["tables"]]
    top, bottom = _header(tables, language, person)
    body = f"{top}\n\n{data['html']}" + (f"\n\n{bottom}" if bottom else "")
    parts = split_html(body, TEXT_MAX - 96)
    markup = None
    if data.get("ack") and announcement_id is not None:
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("✅ Olen lukenut"), callback_data=AnnAck(announcement_id=announcement_id)
        )
        markup = builder.as_markup().model_dump(exclude_none=True)
    names = ", ".join(t.name(language) for t in tables)
    email_body = plain_text(data["html"]) + (f"\n\n{plain_text(bottom)}" if bottom else "")
    return Content(
        parts=parts,
        markup=markup,
        email_subject=_("Tiedote: {tables}").format(tables=names)[:200],
        email_body=email_body,
    )


async def _recipient_summary(
    data: dict[str, Any],
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
) -> tuple[str, int]:
    audience = Audience(data["audience"])
    people = await audience_people(
        session,
        set(data["tables"]),
        audience,
        _today(clock, settings),
        exclude=person.id if person else None,
    )
    chosen = await preferences(session, [p.id for p in people])
    routes = route(
        [(p.id, p.telegram_id, p.email, chosen.get(p.id, Channel.TELEGRAM)) for p in people]
    )
    groups = 0
    if audience is Audience.MEMBERS:
        tables = await session.scalars(select(Table).where(Table.id.in_(data["tables"])))
        groups = sum(1 for t in tables if t.group_chat_id is not None)
    text = _("Vastaanottajia: {people} henkilöä ja {groups} ryhmää.").format(
        people=len(people), groups=groups
    )
    if routes.email:
        text += "\n" + _("Sähköpostilla: {count}.").format(count=len(routes.email))
    if routes.unreachable:
        text += "\n" + _(
            "{count} ei ole vielä aloittanut bottia, eikä heillä ole "
            "sähköpostia. He eivät saa tiedotetta."
        ).format(count=routes.unreachable)
    return text, len(routes.telegram) + len(routes.email) + groups


def _options_keyboard(data: dict[str, Any]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if data.get("audience") == Audience.MEMBERS.value:
        builder.button(
            text=("✅ " if data.get("pin") else "▫️ ") + _("Kiinnitä ryhmässä"),
            callback_data=AnnStep(step="pin"),
        )
    builder.button(
        text=("✅ " if data.get("ack") else "▫️ ") + _("Olen lukenut -nappi"),
        callback_data=AnnStep(step="ack"),
    )
    builder.button(text=_("📤 Lähetä nyt"), callback_data=AnnStep(step="now"))
    builder.button(text=_("🕒 Ajasta"), callback_data=AnnStep(step="later"))
    _cancel_button(builder)
    builder.adjust(1)
    return builder.as_markup()


async def _show_preview(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
    i18n: I18n,
) -> None:
    data = await state.get_data()
    content = await _content(data, session, person, i18n.current_locale, None)
    for part in content.parts:
        await message.answer(part)
    summary, _count = await _recipient_summary(data, session, settings, clock, person)
    await message.answer(
        _("Yllä on esikatselu: näin tiedote näkyy jäsenille.")
        + "\n\n"
        + summary
        + "\n\n"
        + _("Lähetetäänkö?"),
        reply_markup=_options_keyboard(data),
    )


@router.callback_query(StateFilter(Announce.options), AnnStep.filter(F.step.in_({"pin", "ack"})))
async def option_toggled(query: CallbackQuery, callback_data: AnnStep, state: FSMContext) -> None:
    data = await state.get_data()
    await state.update_data({callback_data.step: not data.get(callback_data.step)})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(
            reply_markup=_options_keyboard(await state.get_data())
        )


@router.callback_query(StateFilter(Announce.options), AnnStep.filter(F.step == "later"))
async def ask_when(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Announce.when)
    await query.answer()
    builder = InlineKeyboardBuilder()
    _cancel_button(builder)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Milloin tiedote lähtee? Kirjoita päivä ja kellonaika, esimerkiksi 14.1. 17.00"),
            reply_markup=builder.as_markup(),
        )


@router.message(StateFilter(Announce.when))
async def when_written(
    message: Message,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
    bot: Bot,
    i18n: I18n,
) -> None:
    when = parse_when(message.text or "", clock.now(), settings.zone)
    if isinstance(when, WhenProblem):
        replies = {
            WhenProblem.FORMAT: _(
                "En ymmärtänyt aikaa. Kirjoita päivä ja kellonaika, esimerkiksi 14.1. 17.00"
            ),
            WhenProblem.NO_SUCH_DAY: _("Tätä päivää ei ole kalenterissa. Tarkista päivä."),
            WhenProblem.PAST: _("Aika on jo mennyt. Kirjoita tuleva aika."),
            WhenProblem.TOO_FAR: _("Aika on yli vuoden päässä. Kirjoita lähempi aika."),
        }
        await message.answer(replies[when])
        return
    await _send(message, state, access, session, settings, clock, person, bot, i18n, when)


@router.callback_query(StateFilter(Announce.options), AnnStep.filter(F.step == "now"))
async def send_now(
    query: CallbackQuery,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
    bot: Bot,
    i18n: I18n,
) -> None:
    if not isinstance(query.message, Message):
        await query.answer()
        return
    data = await state.get_data()
    if not data.get("tables") or not all(access.leads(t) for t in data["tables"]):
        await query.answer(_("Sinulla ei ole oikeutta tähän."), show_alert=True)
        return
    await query.answer()
    await _send(
        query.message, state, access, session, settings, clock, person, bot, i18n, None, edit=True
    )


async def _send(
    message: Message,
    state: FSMContext,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    person: Person | None,
    bot: Bot,
    i18n: I18n,
    when: datetime | None,
    *,
    edit: bool = False,
) -> None:
    data = await state.get_data()
    tables = data.get("tables") or []
    if person is None or not tables or not all(access.leads(t) for t in tables):
        await state.clear()
        await message.answer(_("Sinulla ei ole oikeutta tähän."))
        return
    now = clock.now()
    savepoint = await session.begin_nested()
    file = None
    if data.get("file"):
        spec = data["file"]
        buffer = io.BytesIO()
        await bot.download(spec["telegram_id"], destination=buffer)
        file = StoredFile(
            file_name=spec["name"],
            mime_type=spec["mime"],
            content=buffer.getvalue(),
            telegram_file_id=spec["telegram_id"],
            created_at=now,
        )
        session.add(file)
        await session.flush()
    announcement = Announcement(
        author_id=person.id,
        text=data["html"],
        file_id=file.id if file else None,
        file_kind=data["file"]["kind"] if data.get("file") else None,
        table_ids=tables,
        audience=Audience(data["audience"]),
        pin=bool(data.get("pin")),
        ask_ack=bool(data.get("ack")),
        status=AnnouncementStatus.SCHEDULED if when else AnnouncementStatus.SENDING,
        send_at=when or now,
        created_at=now,
        progress_chat_id=message.chat.id,
    )
    session.add(announcement)
    await session.flush()
    content = await _content(data, session, person, i18n.current_locale, announcement.id)
    routes, groups = await queue_announcement(
        session, announcement, content, today=_today(clock, settings), now=now, file=file
    )
    if not (routes.telegram or routes.email or groups):
        await savepoint.rollback()
        await message.answer(
            _(
                "Kukaan ei voi saada tätä tiedotetta: kukaan valituista ei "
                "ole vielä aloittanut bottia. Valitse muut vastaanottajat."
            )
        )
        return
    await savepoint.commit()
    await record(
        session,
        actor_id=person.id,
        action="announcement.queue",
        subject=f"announcement:{announcement.id}",
        detail={
            "tables": tables,
            "audience": announcement.audience.value,
            "telegram": len(routes.telegram),
            "email": len(routes.email),
            "send_at": announcement.send_at.isoformat(),
        },
    )
    await state.clear()
    if when is not None:
        text = _("Tiedote on ajastettu: {when}.\nNäet täällä, miten lähetys etenee.").format(
            when=moment(when, settings.zone, i18n.current_locale)
        )
    else:
        text = _("Lähetetään…")
    if edit:
        # The question becomes the progress line: one message fewer in the author's chat.
        announcement.progress_message_id = message.message_id
        announcement.progress_text = text
        await message.edit_text(text, reply_markup=None)
    else:
        sent = await message.answer(text)
        announcement.progress_message_id = sent.message_id
        announcement.progress_text = text


@router.callback_query(AnnStep.filter(F.step == "cancel"))
async def cancelled(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Peruttu. Mitään ei lähetetty."))


# ---- "I have read this" ---------------------------------------------------------------------


@router.callback_query(AnnAck.filter())
async def acknowledged(
    query: CallbackQuery,
    callback_data: AnnAck,
    person: Person | None,
    access: Access,
    session: AsyncSession,
    clock: Clock,
) -> None:
    announcement = await session.get(Announcement, callback_data.announcement_id)
    if (
        person is None
        or announcement is None
        or not announcement.ask_ack
        or not any(access.belongs_to(t) for t in announcement.table_ids)
    ):
        await query.answer(_("Tämä nappi ei ole sinulle."), show_alert=True)
        return
    try:
        async with session.begin_nested():
            session.add(
                Acknowledgement(
                    announcement_id=announcement.id, person_id=person.id, at=clock.now()
                )
            )
    except IntegrityError:
        await query.answer(_("Olet jo kuitannut tämän tiedotteen."))
        return
    await query.answer(_("Kiitos! Kuittaus on tallennettu."))


@router.callback_query(AnnAcks.filter())
async def show_acks(
    query: CallbackQuery,
    callback_data: AnnAcks,
    access: Access,
    person: Person | None,
    session: AsyncSession,
) -> None:
    announcement = await session.get(Announcement, callback_data.announcement_id)
    if (
        announcement is None
        or person is None
        or not (
            announcement.author_id == person.id
            or any(access.coordinates(t) for t in announcement.table_ids)
        )
    ):
        await query.answer(_("Sinulla ei ole oikeutta tähän."), show_alert=True)
        return
    rows = await session.execute(
        select(Person)
        .join(Acknowledgement, Acknowledgement.person_id == Person.id)
        .where(Acknowledgement.announcement_id == announcement.id)
        .order_by(Acknowledgement.at)
    )
    names = [p.full_name for p in rows.scalars()]
    await query.answer()
    if isinstance(query.message, Message):
        if not names:
            await query.message.answer(_("Kukaan ei ole vielä kuitannut tiedotetta."))
        else:
            await query.message.answer(
                _("Lukeneet ({count}):").format(count=len(names))
                + "\n"
                + "\n".join(f"• {esc(n)}" for n in names)
            )


# ---- replies to an announcement -------------------------------------------------------------


async def replied_announcement(
    message: Message, session: AsyncSession
) -> dict[str, Announcement] | bool:
    """Matches a private reply to one of the bot's announcement messages, and only that."""
    if message.reply_to_message is None:
        return False
    announcement = await announcement_for_message(
        session, message.chat.id, message.reply_to_message.message_id
    )
    return {"announcement": announcement} if announcement is not None else False


@router.message(StateFilter(None), F.text, replied_announcement)
async def member_replied(
    message: Message,
    announcement: Announcement,
    person: Person | None,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    assert message.text is not None
    if person is None:
        return
    coordinators = await audience_people(
        session, set(announcement.table_ids), Audience.COORDINATORS, _today(clock, settings)
    )
    chats = {p.telegram_id: p.id for p in coordinators if p.telegram_id is not None}
    if not chats:
        await message.answer(_("Viestiä ei voitu välittää: pöydällä ei ole koordinaattoria."))
        return
    now = clock.now()
    reply = Reply(
        announcement_id=announcement.id, person_id=person.id, text=message.text, created_at=now
    )
    session.add(reply)
    await session.flush()
    builder = InlineKeyboardBuilder()
    builder.button(text=_("↩️ Vastaa"), callback_data=AnnAnswer(reply_id=reply.id))
    quoted = esc(plain_text(announcement.text)[:200])
    text = _("💬 {name} vastasi tiedotteeseen:\n\n{text}\n\n<i>Tiedote: {quote}</i>").format(
        name=esc(person.full_name), text=esc(message.text), quote=quoted
    )
    await enqueue(
        session,
        batch=f"reply:{reply.id}",
        chat_ids=list(chats),
        now=now,
        text=text,
        reply_markup=builder.as_markup().model_dump(exclude_none=True),
        person_ids=chats,
    )
    await message.answer(_("Kiitos! Välitin viestisi koordinaattorille."))


@router.callback_query(AnnAnswer.filter())
async def answer_pressed(
    query: CallbackQuery,
    callback_data: AnnAnswer,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    reply = await session.get(Reply, callback_data.reply_id)
    announcement = await session.get(Announcement, reply.announcement_id) if reply else None
    if announcement is None or not any(access.coordinates(t) for t in announcement.table_ids):
        await query.answer(_("Sinulla ei ole oikeutta tähän."), show_alert=True)
        return
    assert reply is not None
    await state.set_state(Answering.text)
    await state.update_data(reply_id=reply.id)
    await query.answer()
    builder = InlineKeyboardBuilder()
    _cancel_button(builder)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Kirjoita vastauksesi. Lähetän sen jäsenelle."), reply_markup=builder.as_markup()
        )


@router.message(StateFilter(Answering.text))
async def answer_written(
    message: Message,
    state: FSMContext,
    access: Access,
    person: Person | None,
    session: AsyncSession,
    clock: Clock,
) -> None:
    if not message.text or not message.text.strip():
        await message.answer(_("Kirjoita vastaus tekstinä, tai paina Peru."))
        return
    reply_id = (await state.get_data()).get("reply_id")
    reply = await session.get(Reply, reply_id) if reply_id else None
    announcement = await session.get(Announcement, reply.announcement_id) if reply else None
    member = await session.get(Person, reply.person_id) if reply else None
    await state.clear()
    if (
        reply is None
        or announcement is None
        or member is None
        or person is None
        or not any(access.coordinates(t) for t in announcement.table_ids)
    ):
        await message.answer(_("Sinulla ei ole oikeutta tähän."))
        return
    if member.telegram_id is None:
        await message.answer(_("Jäsentä ei tavoiteta Telegramissa."))
        return
    now = clock.now()
    text = _("💬 Koordinaattori {name} vastasi:\n\n{text}").format(
        name=esc(person.full_name), text=esc(message.text)
    )
    await enqueue(
        session,
        batch=f"answer:{reply.id}:{message.message_id}",
        chat_ids=[member.telegram_id],
        now=now,
        text=text,
        person_ids={member.telegram_id: member.id},
    )
    reply.answered_at = now
    await message.answer(_("Vastaus on lähetetty."))


# ---- e-mail preference ----------------------------------------------------------------------


def _channel_name(channel: Channel) -> str:
    names = {
        Channel.TELEGRAM: _("Vain Telegram"),
        Channel.BOTH: _("Telegram ja sähköposti"),
        Channel.EMAIL: _("Vain sähköposti"),
    }
    return names[channel]


def _email_keyboard(current: Channel) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for channel in Channel:
        mark = "✅ " if channel is current else ""
        builder.button(
            text=mark + _channel_name(channel), callback_data=EmailChoice(channel=channel.value)
        )
    builder.button(
        text=_("✏️ Vaihda sähköpostiosoite"), callback_data=EmailChoice(channel="address")
    )
    builder.adjust(1)
    return builder.as_markup()


@router.message(command("email"))
async def email_command(message: Message, person: Person | None, session: AsyncSession) -> None:
    if person is None:
        return
    current = (await preferences(session, [person.id])).get(person.id, Channel.TELEGRAM)
    address = esc(person.email) if person.email else _("ei osoitetta")
    await message.answer(
        _(
            "Miten haluat saada tiedotteet ja kokouskutsut?\n\nNyt: {choice}\n"
            "Sähköposti: {address}"
        ).format(choice=_channel_name(current), address=address),
        reply_markup=_email_keyboard(current),
    )


@router.callback_query(EmailChoice.filter())
async def email_chosen(
    query: CallbackQuery,
    callback_data: EmailChoice,
    person: Person | None,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    if person is None or (
        callback_data.channel != "address" and callback_data.channel not in set(Channel)
    ):
        await query.answer(_("Tämä nappi ei ole enää käytössä."), show_alert=True)
        return
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if callback_data.channel == "address" or (
        callback_data.channel != Channel.TELEGRAM.value and not person.email
    ):
        await state.set_state(EmailAddress.address)
        await state.update_data(
            channel=None if callback_data.channel == "address" else callback_data.channel
        )
        await query.message.answer(_("Kirjoita sähköpostiosoitteesi."))
        return
    channel = Channel(callback_data.channel)
    await set_preference(session, person.id, channel, clock.now())
    await query.message.edit_text(
        _("Tallennettu: {choice}.").format(choice=_channel_name(channel))
    )


@router.message(StateFilter(EmailAddress.address))
async def email_written(
    message: Message, state: FSMContext, person: Person | None, session: AsyncSession, clock: Clock
) -> None:
    address = (message.text or "").strip()
    if person is None:
        await state.clear()
        return
    if len(address) > 254 or not EMAIL_RE.match(address):
        await message.answer(
            _("Sähköpostiosoite ei kelpaa. Kirjoita osoite muodossa nimi@esimerkki.fi")
        )
        return
    channel_word = (await state.get_data()).get("channel")
    person.email = address
    await state.clear()
    if channel_word:
        channel = Channel(channel_word)
        await set_preference(session, person.id, channel, clock.now())
        await message.answer(
            _("Tallennettu: {choice}.").format(choice=_channel_name(channel))
            + "\n"
            + _("Sähköposti: {address}").format(address=esc(address))
        )
        return
    await message.answer(_("Sähköposti: {address}").format(address=esc(address)))
