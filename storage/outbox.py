"""The outbox: messages to many people, written with the act that caused them, sent later."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime, text_enum

SUBJECT_MAX = 200


class Delivery(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; if it dies, the claim runs out
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot: final
    UNREACHABLE = "unreachable"  # chat not found, or never started the bot: final
    FAILED = "failed"  # gave up after retries
    UNCERTAIN = "uncertain"  # timed out mid-send: it may have arrived, so it is not resent


FINAL = frozenset(
    {Delivery.SENT, Delivery.BLOCKED, Delivery.UNREACHABLE, Delivery.FAILED, Delivery.UNCERTAIN}
)


class OutboxKind(enum.StrEnum):
    TEXT = "text"
    DOCUMENT = "document"
    PHOTO = "photo"


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        # The same message never goes to the same chat twice.
        UniqueConstraint("batch", "chat_id"),
        Index("ix_outbox_due", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(80))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # Who caused the message (author, organiser, coordinator): told if it fails for good.
    originator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    is_group: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[OutboxKind] = mapped_column(text_enum(OutboxKind, 10))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    pin: Mapped[bool] = mapped_column(default=False)
    status: Mapped[Delivery] = mapped_column(text_enum(Delivery, 12), default=Delivery.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Which sender holds the claim; a sender only records results on rows it still holds.
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class EmailMessage(Base):
    """One e-mail to one address, drained by the same sender as the Telegram rows."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        UniqueConstraint("batch", "address"),
        Index("ix_email_outbox_due", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(254))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    originator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    body: Mapped[str] = mapped_column(Text)
    # [{"file_id": 3}] for stored files, or {"name", "mime", "text"} for small ones (.ics).
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[Delivery] = mapped_column(text_enum(Delivery, 12), default=Delivery.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StoredFile(Base):
    """A document or photo to send; after the first upload Telegram's file_id is reused."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[bytes | None] = mapped_column()
    telegram_file_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class Outgoing:
    """One chat's copy of a message: its own text and buttons (each reader's language)."""

    chat_id: int
    text: str | None
    reply_markup: dict[str, Any] | None = None
    person_id: int | None = None
    is_group: bool = False
    pin: bool = False


async def queue(
    session: AsyncSession,
    *,
    batch: str,
    messages: Iterable[Outgoing],
    now: datetime,
    kind: OutboxKind = OutboxKind.TEXT,
    file: StoredFile | None = None,
    not_before: datetime | None = None,
    originator_id: int | None = None,
) -> dict[int, int]:
    """Queue one message, rendered per chat; chats already queued in this batch are skipped.

    `text` is HTML (escape what people typed); for documents and photos it is the caption.
    Returns the new rows' ids by chat id.
    """
    existing = set(
        await session.scalars(select(OutboxMessage.chat_id).where(OutboxMessage.batch == batch))
    )
    rows: list[dict[str, Any]] = []
    for message in messages:
        if message.chat_id in existing:
            continue
        existing.add(message.chat_id)
        payload: dict[str, Any] = {"text": message.text, "parse_mode": "HTML"}
        if message.reply_markup is not None:
            payload["reply_markup"] = message.reply_markup
        rows.append(
            {
                "batch": batch,
                "chat_id": message.chat_id,
                "person_id": message.person_id,
                "originator_id": originator_id,
                "is_group": message.is_group,
                "kind": kind,
                "payload": payload,
                "file_id": file.id if file else None,
                "pin": message.pin and message.is_group,
                "status": Delivery.PENDING,
                "attempts": 0,
                "not_before": not_before or now,
                "created_at": now,
            }
        )
    if not rows:
        return {}
    # One multi-row INSERT: an announcement to a thousand people is queued in milliseconds.
    result = await session.execute(
        insert(OutboxMessage).returning(OutboxMessage.chat_id, OutboxMessage.id), rows
    )
    return {chat_id: row_id for chat_id, row_id in result}


async def enqueue(
    session: AsyncSession,
    *,
    batch: str,
    chat_ids: Iterable[int],
    now: datetime,
    text: str | None = None,
    reply_markup: dict[str, Any] | None = None,
    kind: OutboxKind = OutboxKind.TEXT,
    file: StoredFile | None = None,
    not_before: datetime | None = None,
    pin: bool = False,
    person_ids: dict[int, int] | None = None,
    group_chat_ids: Iterable[int] = (),
    originator_id: int | None = None,
) -> int:
    """Queue the same message for many chats (see `queue` for one rendered per chat).

    Returns how many rows were added.
    """
    groups = set(group_chat_ids)
    chats = list(dict.fromkeys([*chat_ids, *groups]))
    added = await queue(
        session,
        batch=batch,
        messages=[
            Outgoing(
                chat_id,
                text,
                reply_markup,
                person_id=(person_ids or {}).get(chat_id),
                is_group=chat_id in groups,
                pin=pin,
            )
            for chat_id in chats
        ],
        now=now,
        kind=kind,
        file=file,
        not_before=not_before,
        originator_id=originator_id,
    )
    return len(added)


async def enqueue_email(
    session: AsyncSession,
    *,
    batch: str,
    recipients: dict[str, int | None],
    subject: str,
    body: str,
    now: datetime,
    attachments: list[dict[str, Any]] | None = None,
    not_before: datetime | None = None,
    originator_id: int | None = None,
) -> int:
    """Queue one plain-text e-mail for many addresses (address -> person id).

    Attachments are `{"file_id": id}` for a StoredFile or `{"name", "mime", "text"}` for small
    generated files such as a meeting's `.ics`. Returns how many rows were added.
    """
    existing = set(
        await session.scalars(select(EmailMessage.address).where(EmailMessage.batch == batch))
    )
    added = 0
    for address, person_id in recipients.items():
        if address in existing:
            continue
        session.add(
            EmailMessage(
                batch=batch,
                address=address,
                person_id=person_id,
                originator_id=originator_id,
                subject=subject[:SUBJECT_MAX],  # the header is cut to fit anyway
                body=body,
                attachments=list(attachments or []),
                status=Delivery.PENDING,
                attempts=0,
                not_before=not_before or now,
                created_at=now,
            )
        )
        added += 1
    await session.flush()
    return added


async def batch_statuses(session: AsyncSession, batch: str) -> dict[Delivery, int]:
    """How many Telegram rows of a batch are in each state."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.batch == batch)
        .group_by(OutboxMessage.status)
    )
    return {Delivery(status): count for status, count in rows}


async def email_statuses(session: AsyncSession, batch: str) -> dict[Delivery, int]:
    rows = await session.execute(
        select(EmailMessage.status, func.count())
        .where(EmailMessage.batch == batch)
        .group_by(EmailMessage.status)
    )
    return {Delivery(status): count for status, count in rows}
