"""Meetings as people see them: button data, texts, keyboards, and sends to many chats."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from storage.meeting_rules import Answer, MeetingKind, Rsvp
from storage.meetings import (
    AgendaItem,
    Meeting,
    MeetingPost,
    MeetingSlot,
    MeetingStatus,
    MinutesStatus,
    PollState,
    participant,
    participants,
)
from storage.outbox import OutboxKind, OutboxMessage, StoredFile, enqueue
from storage.people import Table
from storage.roles import Access
from views.language import reader_language
from views.text import clock_time, day, esc, moment, split_text

# ---- button data: it selects; every handler re-checks the person's right --------------------


class VoteCb(CallbackData, prefix="mv"):
    m: int
    s: int
    a: str


class RsvpCb(CallbackData, prefix="mr"):
    m: int
    a: str


class OpenCb(CallbackData, prefix="mo"):
    m: int


class ActCb(CallbackData, prefix="ma"):
    m: int
    do: str
    arg: int = 0


class ItemCb(CallbackData, prefix="mi"):
    i: int
    do: str


class PersonCb(CallbackData, prefix="mp"):
    m: int
    p: int
    do: str


class NewCb(CallbackData, prefix="mn"):
    do: str
    v: str = ""


KIND_NAMES: dict[MeetingKind, LazyProxy] = {
    MeetingKind.REGULAR: __("Kokous"),
    MeetingKind.PLANNING: __("Suunnittelu tai työpaja"),
    MeetingKind.CHAIRS: __("Puheenjohtajien yhteinen kokous"),
    MeetingKind.RESIDENT_EVENT: __("Asukastilaisuus, esim. Kerro Pois!"),
}
ANSWER_WORDS: dict[Answer, LazyProxy] = {
    Answer.YES: __("Sopii"),
    Answer.MAYBE: __("Tarvittaessa"),
    Answer.NO: __("Ei sovi"),
}
ANSWER_MARKS = {Answer.YES: "✅", Answer.MAYBE: "🟡", Answer.NO: "❌"}
RSVP_WORDS: dict[Rsvp, LazyProxy] = {
    Rsvp.COMING: __("Tulen"),
    Rsvp.NOT_COMING: __("En tule"),
    Rsvp.MAYBE: __("Ehkä"),
}


def span(starts_at: datetime, ends_at: datetime, zone: ZoneInfo, language: str) -> str:
    """`ti 14.1.2026 klo 17.00–19.00`."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return _("{day} klo {start}–{end}").format(
        day=day(start.date(), language), start=clock_time(start), end=clock_time(end)
    )


def table_name(table: Table | None, language: str) -> str:
    return table.name(language) if table else _("Kaikki pöydät")


# ---- who may do what (checked again on every press) -----------------------------------------


def may_organise(access: Access, meeting: Meeting) -> bool:
    return access.is_lead if meeting.table_id is None else access.leads(meeting.table_id)


async def may_see(session: AsyncSession, access: Access, meeting: Meeting) -> bool:
    if may_organise(access, meeting):
        return True
    if meeting.table_id is not None:
        return access.belongs_to(meeting.table_id)
    return await participant(session, meeting.id, access.person_id) is not None


def stale() -> str:
    return _("Tämä nappi ei ole enää käytössä. Paina /valikko.")


def not_yours() -> str:
    return _("Tämä kokous ei koske sinua. Vain pöydän jäsenet voivat vastata.")


async def load(
    query: CallbackQuery,
    session: AsyncSession,
    access: Access,
    meeting_id: int,
    *,
    organiser: bool = False,
) -> Meeting | None:
    """The meeting, if it exists and this person may act on it; else an alert."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        await query.answer(stale(), show_alert=True)
        return None
    allowed = (
        may_organise(access, meeting) if organiser else await may_see(session, access, meeting)
    )
    if not allowed:
        await query.answer(
            _("Sinulla ei ole oikeutta tähän.") if organiser else not_yours(), show_alert=True
        )
        return None
    return meeting


async def show_minutes(message: Message, session: AsyncSession, meeting: Meeting) -> None:
    """The minutes in this chat: the document, or the text split across messages."""
    heading = _("📄 <b>Muistio: {title}</b>").format(title=esc(meeting.title))
    if meeting.minutes_file_id:
        file = await session.get(StoredFile, meeting.minutes_file_id)
        if file is not None and file.telegram_file_id:
            await message.answer_document(file.telegram_file_id, caption=heading)
            return
    for part in split_text(heading + "\n\n" + esc(meeting.minutes_text or "")):
        await message.answer(part)


def minutes_published(meeting: Meeting) -> bool:
    return meeting.minutes_status is MinutesStatus.PUBLISHED


# ---- the time poll -------------------------------------------------------------------------


def poll_text(
    meeting: Meeting,
    table: Table | None,
    state: PollState,
    invited: int,
    zone: ZoneInfo,
    language: str,
) -> str:
    lines = [
        _("📅 <b>Kokousaikakysely: {title}</b>").format(title=esc(meeting.title)),
        esc(table_name(table, language)),
    ]
    if meeting.place:
        lines.append(_("Paikka: {place}").format(place=esc(meeting.place)))
    if meeting.status is MeetingStatus.POLLING and meeting.poll_deadline_at:
        lines.append(
            _("Vastaa viimeistään {deadline}.").format(
                deadline=moment(meeting.poll_deadline_at, zone, language)
            )
        )
        lines.append(
            _(
                "Valitse jokaiselle ajalle: Sopii, Tarvittaessa tai Ei sovi. "
                "Voit muuttaa vastausta."
            )
        )
    else:
        lines.append(_("Vastausaika on päättynyt."))
    best = state.best() if state.by_person else None
    for number, slot in enumerate(state.slots, start=1):
        counts = {answer: 0 for answer in Answer}
        for answer in state.answers.get(slot.id, []):
            counts[answer] += 1
        star = " ⭐" if best is not None and slot.id == best.id else ""
        lines.append(
            f"\n{number}. {span(slot.starts_at, slot.ends_at, zone, language)}{star}\n"
            f"    ✅ {counts[Answer.YES]}   🟡 {counts[Answer.MAYBE]}   "
            f"❌ {counts[Answer.NO]}"
        )
    lines.append(
        "\n"
        + _("Vastanneita: {answered}/{invited}").format(
            answered=len(state.by_person), invited=invited
        )
    )
    return "\n".join(lines)


def poll_keyboard(
    meeting: Meeting, slots: list[MeetingSlot], mine: dict[int, Answer] | None = None
) -> InlineKeyboardMarkup | None:
    if meeting.status is not MeetingStatus.POLLING:
        return None
    builder = InlineKeyboardBuilder()
    for number, slot in enumerate(slots, start=1):
        for answer in Answer:
            chosen = mine is not None and mine.get(slot.id) is answer
            text = f"{number}: {ANSWER_WORDS[answer]}"
            builder.button(
                text=f"{ANSWER_MARKS[answer]} {text}" if chosen else text,
                callback_data=VoteCb(m=meeting.id, s=slot.id, a=answer.value),
            )
    builder.adjust(3)
    return builder.as_markup()


# ---- the meeting ---------------------------------------------------------------------------


def meeting_heading(meeting: Meeting, table: Table | None, zone: ZoneInfo, language: str) -> str:
    lines = [
        f"<b>{esc(meeting.title)}</b>",
        f"{esc(table_name(table, language))} · {KIND_NAMES[meeting.kind]}",
    ]
    if meeting.status is MeetingStatus.CANCELLED:
        lines.append(_("Kokous on peruttu."))
    elif meeting.starts_at and meeting.ends_at:
        lines.append(
            _("Aika: {time}").format(time=span(meeting.starts_at, meeting.ends_at, zone, language))
        )
    elif meeting.status is MeetingStatus.POLLING and meeting.poll_deadline_at:
        lines.append(
            _("Aikaa kysytään. Vastausaika päättyy {deadline}.").format(
                deadline=moment(meeting.poll_deadline_at, zone, language)
            )
        )
    else:
        lines.append(_("Vastausaika on päättynyt. Järjestäjä vahvistaa ajan pian."))
    if meeting.place:
        lines.append(_("Paikka: {place}").format(place=esc(meeting.place)))
    return "\n".join(lines)


def rsvp_keyboard(meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for answer in Rsvp:
        builder.button(
            text=str(RSVP_WORDS[answer]), callback_data=RsvpCb(m=meeting_id, a=answer.value)
        )
    builder.adjust(3)
    return builder.as_markup()


def invitation_text(
    meeting: Meeting, table: Table | None, zone: ZoneInfo, language: str, *, moved: bool = False
) -> str:
    if meeting.status is MeetingStatus.CANCELLED:
        intro = _("❗ Kokous on peruttu.")
    elif moved:
        intro = _("❗ Kokouksen aika on muuttunut.")
    else:
        intro = _("📅 Kutsu kokoukseen.")
    text = intro + "\n\n" + meeting_heading(meeting, table, zone, language)
    if meeting.status is not MeetingStatus.CANCELLED:
        text += "\n\n" + _("Tuletko? Vastaa napilla. Liitteenä on kalenterikutsu.")
    return text


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


# ---- sending to the table --------------------------------------------------------------------


async def audience(
    session: AsyncSession,
    meeting: Meeting,
    settings: Settings,
    person_ids: list[int] | None = None,
) -> dict[str, list[tuple[int, int]]]:
    """Private chats of the invited people who have started the bot, by language."""
    by_language: dict[str, list[tuple[int, int]]] = {}
    for row, person in await participants(session, meeting.id):
        if person_ids is not None and row.person_id not in person_ids:
            continue
        if person.telegram_id is None or not person.private_chat_open:
            continue
        language = reader_language(person, settings.default_language)
        by_language.setdefault(language, []).append((person.telegram_id, person.id))
    return by_language


async def send_to_meeting(
    session: AsyncSession,
    *,
    meeting: Meeting,
    table: Table | None,
    settings: Settings,
    i18n: I18n,
    now: datetime,
    batch: str,
    render: Callable[[str], tuple[str, InlineKeyboardMarkup | None] | None],
    group: bool = True,
    person_ids: list[int] | None = None,
    kind: OutboxKind = OutboxKind.TEXT,
    file: StoredFile | None = None,
    pin: bool = False,
) -> list[OutboxMessage]:
    """Queue one message for the table's group and each invited person, in their language."""
    targets = await audience(session, meeting, settings, person_ids)
    group_chat = table.group_chat_id if (group and table is not None) else None
    if group_chat is not None:
        targets.setdefault(settings.default_language, [])
    rows: list[OutboxMessage] = []
    for language, chats in targets.items():
        with i18n.use_locale(language):
            rendered = render(language)
        if rendered is None:
            continue
        text, markup = rendered
        part_batch = f"{batch}:{language}"
        groups = (
            [group_chat]
            if group_chat is not None and (language == settings.default_language)
            else []
        )
        markup_dict: dict[str, Any] | None = (
            markup.model_dump(exclude_none=True) if markup else None
        )
        await enqueue(
            session,
            batch=part_batch,
            chat_ids=[c for c, _ in chats],
            now=now,
            text=text,
            reply_markup=markup_dict,
            kind=kind,
            file=file,
            pin=pin,
            person_ids={c: p for c, p in chats},
            group_chat_ids=groups,
        )
        rows += list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.batch == part_batch))
        )
    return rows


async def send_long(
    session: AsyncSession,
    *,
    meeting: Meeting,
    table: Table | None,
    settings: Settings,
    i18n: I18n,
    now: datetime,
    batch: str,
    render: Callable[[str], str],
    pin: bool = False,
) -> None:
    """A long text split across messages (never cut); the first part may be pinned."""
    by_language: dict[str, list[str]] = {}
    for language in {*(await audience(session, meeting, settings)), settings.default_language}:
        with i18n.use_locale(language):
            by_language[language] = split_text(render(language))
    parts = max(len(p) for p in by_language.values())
    for index in range(parts):

        def part(language: str, index: int = index) -> tuple[str, None] | None:
            pieces = by_language[language]
            return (pieces[index], None) if index < len(pieces) else None

        await send_to_meeting(
            session,
            meeting=meeting,
            table=table,
            settings=settings,
            i18n=i18n,
            now=now,
            batch=f"{batch}:{index}",
            render=part,
            pin=pin and index == 0,
        )


async def record_poll_posts(
    session: AsyncSession, meeting: Meeting, rows: list[OutboxMessage], settings: Settings
) -> None:
    """Remember which outbox message is each chat's results message, to edit it later."""
    for row in rows:
        language = row.batch.rsplit(":", 1)[-1]
        session.add(
            MeetingPost(
                meeting_id=meeting.id,
                purpose="poll",
                chat_id=row.chat_id,
                person_id=row.person_id,
                language=language or settings.default_language,
                outbox_id=row.id,
                edited_version=0,
            )
        )
    await session.flush()
