"""Announcements (tiedotteet): who gets them, how they are split and queued, what came of them."""

from __future__ import annotations

import enum
import html
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime, text_enum
from storage.outbox import (
    Delivery,
    EmailMessage,
    OutboxKind,
    OutboxMessage,
    StoredFile,
    enqueue,
    enqueue_email,
)
from storage.people import Membership, Person, Table
from storage.roles import CHAIR_ROLES, SEATED_ROLES, Role

TEXT_MAX = 4096
CAPTION_MAX = 1024
# An announcement longer than this is surely a mistake (about four Telegram messages).
ANNOUNCEMENT_MAX = 4 * 4000
FILE_MAX_BYTES = 20 * 1024 * 1024
DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "text/plain": ".txt",
    "text/calendar": ".ics",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
DOCUMENT_SUFFIXES = frozenset(DOCUMENT_TYPES.values()) | {".jpeg", ".csv", ".rtf"}


class Audience(enum.StrEnum):
    MEMBERS = "members"  # everyone at the chosen tables, and the tables' groups
    CHAIRS = "chairs"
    COORDINATORS = "coordinators"


class Channel(enum.StrEnum):
    TELEGRAM = "telegram"
    BOTH = "both"
    EMAIL = "email"


class AnnouncementStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Announcement(Base):
    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)  # HTML, as Telegram gave it (entities preserved)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    file_kind: Mapped[str | None] = mapped_column(String(10))
    table_ids: Mapped[list[int]] = mapped_column(JSON)
    audience: Mapped[Audience] = mapped_column(text_enum(Audience, 14))
    pin: Mapped[bool] = mapped_column(Boolean, default=False)
    ask_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[AnnouncementStatus] = mapped_column(text_enum(AnnouncementStatus, 10))
    send_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    parts: Mapped[int] = mapped_column(Integer, default=1)
    # People the bot cannot reach by Telegram or e-mail, counted when it was queued.
    never_started: Mapped[int] = mapped_column(Integer, default=0)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_text: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def batch(self) -> str:
        return batch_name(self.id, 1)


class Acknowledgement(Base):
    """A member pressed "Olen lukenut" under an announcement."""

    __tablename__ = "announcement_acks"
    __table_args__ = (UniqueConstraint("announcement_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Reply(Base):
    """A member's private reply to an announcement, forwarded to the table's coordinators."""

    __tablename__ = "announcement_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ContactPreference(Base):
    """How a person wants announcements and meeting invitations: Telegram, e-mail, or both."""

    __tablename__ = "contact_preferences"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[Channel] = mapped_column(text_enum(Channel, 10))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


def batch_name(announcement_id: int, part: int | str) -> str:
    return f"ann:{announcement_id}:{part}"


# ---- rules over plain values ----------------------------------------------------------------


class WhenProblem(enum.StrEnum):
    FORMAT = "format"
    NO_SUCH_DAY = "no_such_day"
    PAST = "past"
    TOO_FAR = "too_far"


WHEN_RE = re.compile(
    r"^\s*(?:(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4}|\d{2})?)?\s*"
    r"(?:klo\s*)?(?P<hour>\d{1,2})[.:](?P<minute>\d{2})\s*$",
    re.IGNORECASE,
)


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime | WhenProblem:
    """A typed Finnish time (`14.1. 17.00`, `14.1.2026 klo 17.00`, `17.00`) as aware UTC.

    Without a year the next such day is meant; a time earlier today is in the past.
    """
    match = WHEN_RE.match(text)
    if match is None:
        return WhenProblem.FORMAT
    local_now = now.astimezone(zone)
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        return WhenProblem.FORMAT
    if match["day"] is None:
        day_, month, year = local_now.day, local_now.month, local_now.year
    else:
        day_, month = int(match["day"]), int(match["month"])
        year = int(match["year"]) if match["year"] else local_now.year
        if year < 100:
            year += 2000
    try:
        target = date(year, month, day_)
    except ValueError:
        return WhenProblem.NO_SUCH_DAY
    if match["day"] is not None and match["year"] is None and target < local_now.date():
        try:
            target = date(year + 1, month, day_)
        except ValueError:
            return WhenProblem.NO_SUCH_DAY
    local = datetime(target.year, target.month, target.day, hour, minute, tzinfo=zone)
    moment = local.astimezone(ZoneInfo("UTC"))
    if moment <= now:
        return WhenProblem.PAST
    if moment - now > timedelta(days=366):
        return WhenProblem.TOO_FAR
    return moment


def file_allowed(file_name: str | None, mime_type: str | None) -> bool:
    """Documents people can open on any phone: PDF, office files, text, pictures, calendars."""
    suffix = "." + (file_name or "").rsplit(".", 1)[-1].lower() if "." in (file_name or "") else ""
    return suffix in DOCUMENT_SUFFIXES or (mime_type or "") in DOCUMENT_TYPES


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Tokens(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tokens: list[tuple[str, str, str]] = []  # (kind, raw, name)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("open", self.get_starttag_text() or f"<{tag}>", tag))

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("close", f"</{tag}>", tag))

    def handle_data(self, data: str) -> None:
        for chunk in re.split(r"(\n\n|\n| )", data):
            if chunk:
                self.tokens.append(("text", chunk, ""))

    def handle_entityref(self, name: str) -> None:
        self.tokens.append(("entity", f"&{name};", ""))

    def handle_charref(self, name: str) -> None:
        self.tokens.append(("entity", f"&#{name};", ""))


def split_html(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` visible characters (UTF-16).

    Cuts at paragraph breaks, else line breaks, else spaces; never inside a tag or an entity.
    Tags open at a cut are closed there and opened again at the start of the next part.
    """
    parser = _Tokens()
    parser.feed(text)
    parser.close()
    parts: list[str] = []
    current: list[str] = []
    stack: list[tuple[str, str]] = []  # (name, raw opening tag)
    # Where a cut could go: (index in current, rank, visible before it, tags open there).
    breaks: list[tuple[int, int, int, list[tuple[str, str]]]] = []
    visible = 0

    def cut(index: int, open_tags: list[tuple[str, str]]) -> None:
        nonlocal current, visible, breaks
        closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
        part = "".join(current[:index]).rstrip("\n ") + closing
        if _has_text(part):
            parts.append(part)
        rest = current[index:]
        while rest and rest[0] in ("\n\n", "\n", " "):
            rest.pop(0)
        current = [raw for _, raw in open_tags] + rest
        visible = sum(_visible(t) for t in current)
        breaks = []

    for kind, raw, name in parser.tokens:
        if kind == "open":
            stack.append((name, raw))
            current.append(raw)
            continue
        if kind == "close":
            for index in range(len(stack) - 1, -1, -1):
                if stack[index][0] == name:
                    del stack[index]
                    break
            current.append(raw)
            continue
        size = _visible(raw)
        while size > limit - visible and kind == "text" and size > limit // 2:
            # A word longer than half a message: cut it, there is no better place.
            room = limit - visible
            if room > 0:
                current.append(raw[:room])
                raw = raw[room:]
            cut(len(current), list(stack))
            size = _visible(raw)
        if visible + size > limit:
            # The best kind of break that still fills a third of the message.
            best = max(breaks, key=lambda b: (b[2] >= limit // 3, b[1], b[0]), default=None)
            if best is not None:
                cut(best[0], best[3])
            else:
                cut(len(current), list(stack))
        current.append(raw)
        visible += size
        rank = {"\n\n": 3, "\n": 2, " ": 1}.get(raw, 0)
        if rank:
            breaks.append((len(current), rank, visible, list(stack)))
    part = "".join(current).strip("\n ")
    if _has_text(part):
        parts.append(part)
    return parts


def _visible(token: str) -> int:
    if token.startswith("<"):
        return 0
    if token.startswith("&") and token.endswith(";"):
        return 1
    return utf16_len(token)


def _has_text(part: str) -> bool:
    return bool(html.unescape(re.sub(r"<[^>]+>", "", part)).strip())


def visible_length(text: str) -> int:
    return utf16_len(html.unescape(re.sub(r"<[^>]+>", "", text)))


def recipients_by_role(
    rows: list[tuple[int, int | None, Role]], table_ids: set[int], audience: Audience
) -> set[int]:
    """People (ids) an announcement goes to, from (person, table, role) rows of current roles."""
    chosen: set[int] = set()
    for person_id, table_id, role in rows:
        if audience is Audience.COORDINATORS:
            if role is Role.LEAD_COORDINATOR or (
                role is Role.COORDINATOR and table_id in table_ids
            ):
                chosen.add(person_id)
        elif table_id in table_ids:
            wanted = (
                CHAIR_ROLES if audience is Audience.CHAIRS else (SEATED_ROLES | {Role.COORDINATOR})
            )
            if role in wanted:
                chosen.add(person_id)
    return chosen


@dataclass(frozen=True)
class Routes:
    telegram: dict[int, int]  # chat id -> person id
    email: dict[str, int | None]  # address -> person id
    unreachable: int  # neither an open Telegram account nor an e-mail they want


def route(people: list[tuple[int, int | None, str | None, Channel]]) -> Routes:
    """Who is reached how, from (person id, telegram id, e-mail, preference)."""
    telegram: dict[int, int] = {}
    email: dict[str, int | None] = {}
    unreachable = 0
    for person_id, telegram_id, address, channel in people:
        reached = False
        if channel in (Channel.EMAIL, Channel.BOTH) and address:
            email[address.lower()] = person_id
            reached = True
        if channel is not Channel.EMAIL and telegram_id is not None:
            telegram[telegram_id] = person_id
            reached = True
        if not reached:
            unreachable += 1
    return Routes(telegram, email, unreachable)


# ---- queries ------------------------------------------------------------------------------


async def audience_people(
    session: AsyncSession,
    table_ids: set[int],
    audience: Audience,
    today: date,
    *,
    exclude: int | None = None,
) -> list[Person]:
    rows = await session.execute(
        select(
            Membership.person_id,
            Membership.table_id,
            Membership.role,
            Membership.starts_on,
            Membership.ends_on,
        )
    )
    current = [
        (person_id, table_id, role)
        for person_id, table_id, role, starts, ends in rows
        if starts <= today and (ends is None or today <= ends)
    ]
    ids = recipients_by_role(current, table_ids, audience) - {exclude}
    if not ids:
        return []
    people = await session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id))
    return list(people)


async def preferences(session: AsyncSession, person_ids: list[int]) -> dict[int, Channel]:
    if not person_ids:
        return {}
    rows = await session.scalars(
        select(ContactPreference).where(ContactPreference.person_id.in_(person_ids))
    )
    return {row.person_id: row.channel for row in rows}


async def set_preference(
    session: AsyncSession, person_id: int, channel: Channel, now: datetime
) -> None:
    row = await session.get(ContactPreference, person_id)
    if row is None:
        session.add(ContactPreference(person_id=person_id, channel=channel, updated_at=now))
    else:
        row.channel = channel
        row.updated_at = now
    await session.flush()


async def announcement_for_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> Announcement | None:
    """The announcement a private message of the bot belonged to, if any."""
    row = await session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.telegram_message_id == message_id,
            OutboxMessage.batch.like("ann:%"),
        )
    )
    if row is None:
        return None
    return await session.get(Announcement, int(row.batch.split(":")[1]))


@dataclass(frozen=True)
class Report:
    total: int
    delivered: int
    blocked: int
    never_started: int
    failed: int
    uncertain: int
    waiting: int
    waiting_people: int
    emailed: int
    email_failed: int
    groups: int
    groups_delivered: int

    @property
    def finished(self) -> bool:
        return self.waiting == 0


async def report_for(session: AsyncSession, announcement: Announcement) -> Report:
    rows = await session.execute(
        select(OutboxMessage.is_group, OutboxMessage.status).where(
            OutboxMessage.batch == announcement.batch
        )
    )
    counts: dict[tuple[bool, Delivery], int] = {}
    for is_group, status in rows:
        counts[(is_group, status)] = counts.get((is_group, status), 0) + 1
    mails = await session.execute(
        select(EmailMessage.status).where(
            EmailMessage.batch == batch_name(announcement.id, "mail")
        )
    )
    mail_states = [status for (status,) in mails]

    def people(*states: Delivery) -> int:
        return sum(counts.get((False, s), 0) for s in states)

    waiting = (
        people(Delivery.PENDING, Delivery.SENDING)
        + sum(1 for s in mail_states if s in (Delivery.PENDING, Delivery.SENDING))
        + sum(counts.get((True, s), 0) for s in (Delivery.PENDING, Delivery.SENDING))
    )
    return Report(
        total=sum(c for (g, _), c in counts.items() if not g),
        delivered=people(Delivery.SENT),
        blocked=people(Delivery.BLOCKED),
        never_started=people(Delivery.UNREACHABLE) + announcement.never_started,
        failed=people(Delivery.FAILED),
        uncertain=people(Delivery.UNCERTAIN),
        waiting=waiting,
        waiting_people=people(Delivery.PENDING, Delivery.SENDING),
        emailed=sum(1 for s in mail_states if s is Delivery.SENT),
        email_failed=sum(1 for s in mail_states if s is Delivery.FAILED),
        groups=sum(c for (g, _), c in counts.items() if g),
        groups_delivered=counts.get((True, Delivery.SENT), 0),
    )


# ---- queueing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    """What every recipient gets: text parts, perhaps a file, perhaps an "I have read" button."""

    parts: list[str]
    markup: dict[str, Any] | None
    email_subject: str
    email_body: str


async def queue_announcement(
    session: AsyncSession,
    announcement: Announcement,
    content: Content,
    *,
    today: date,
    now: datetime,
    file: StoredFile | None = None,
) -> tuple[Routes, int]:
    """Write every outgoing message of an announcement in the caller's transaction.

    Returns who is reached how, and how many table groups get it.
    """
    people = await audience_people(
        session,
        set(announcement.table_ids),
        announcement.audience,
        today,
        exclude=announcement.author_id,
    )
    chosen = await preferences(session, [p.id for p in people])
    routes = route(
        [(p.id, p.telegram_id, p.email, chosen.get(p.id, Channel.TELEGRAM)) for p in people]
    )
    groups: list[int] = []
    if announcement.audience is Audience.MEMBERS:
        tables = await session.scalars(select(Table).where(Table.id.in_(announcement.table_ids)))
        groups = [t.group_chat_id for t in tables if t.group_chat_id is not None]
    kind = OutboxKind(announcement.file_kind) if announcement.file_kind else OutboxKind.TEXT
    caption_fits = (
        file is not None
        and len(content.parts) == 1
        and visible_length(content.parts[0]) <= CAPTION_MAX
    )
    common: dict[str, Any] = {
        "chat_ids": list(routes.telegram),
        "now": now,
        "not_before": announcement.send_at,
        "pin": announcement.pin,
        "person_ids": routes.telegram,
        "group_chat_ids": groups,
    }
    if caption_fits:
        await enqueue(
            session,
            batch=batch_name(announcement.id, 1),
            text=content.parts[0],
            reply_markup=content.markup,
            kind=kind,
            file=file,
            **common,
        )
    else:
        for number, part in enumerate(content.parts, start=1):
            last = number == len(content.parts) and file is None
            await enqueue(
                session,
                batch=batch_name(announcement.id, number),
                text=part,
                reply_markup=content.markup if last else None,
                **{**common, "pin": common["pin"] and number == 1},
            )
        if file is not None:
            await enqueue(
                session,
                batch=batch_name(announcement.id, "file"),
                text=None,
                reply_markup=content.markup,
                kind=kind,
                file=file,
                **{**common, "pin": False},
            )
    if routes.email:
        attachments = [{"file_id": file.id}] if file is not None else []
        await enqueue_email(
            session,
            batch=batch_name(announcement.id, "mail"),
            recipients=routes.email,
            subject=content.email_subject,
            body=content.email_body,
            now=now,
            attachments=attachments,
            not_before=announcement.send_at,
        )
    announcement.parts = len(content.parts)
    announcement.never_started = routes.unreachable
    return routes, len(groups)
