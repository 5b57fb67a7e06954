"""Announcements (tiedotteet): who gets them and how, who has read them, what came of them."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime, text_enum
from storage.outbox import Delivery, EmailMessage, OutboxMessage
from storage.people import Membership, Person
from storage.roles import CHAIR_ROLES, SEATED_ROLES, Role

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
        """Every reader's first message; the rest of a long one and the e-mail hang off it."""
        return batch_name(self.id, 1)

    @property
    def mail_batch(self) -> str:
        """The e-mail copies: `notify.fanout.tell` names them after the first batch."""
        return f"{self.batch}/mail"


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


def reach(
    telegram_id: int | None, address: str | None, channel: Channel
) -> tuple[int | None, str | None]:
    """How one person is reached: (Telegram chat, e-mail address); not at all when both are None.

    E-mail when they chose it and gave an address; Telegram unless they chose e-mail only.
    """
    email = address.lower() if channel in (Channel.EMAIL, Channel.BOTH) and address else None
    chat = telegram_id if channel is not Channel.EMAIL else None
    return chat, email


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


async def acknowledge(
    session: AsyncSession, announcement_id: int, person_id: int, now: datetime
) -> bool:
    """Record that the person has read it; False when they already had (decided by the key)."""
    try:
        async with session.begin_nested():
            session.add(
                Acknowledgement(announcement_id=announcement_id, person_id=person_id, at=now)
            )
    except IntegrityError:
        return False
    return True


async def readers(session: AsyncSession, announcement_id: int) -> list[Person]:
    """Who pressed "Olen lukenut", in the order they did."""
    rows = await session.scalars(
        select(Person)
        .join(Acknowledgement, Acknowledgement.person_id == Person.id)
        .where(Acknowledgement.announcement_id == announcement_id)
        .order_by(Acknowledgement.at)
    )
    return list(rows)


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
        select(EmailMessage.status).where(EmailMessage.batch == announcement.mail_batch)
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
