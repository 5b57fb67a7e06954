"""Telling an announcement: each reader gets the header and buttons in their own language and the
author's text as written, by Telegram, e-mail or both as they chose; the tables' groups too.
Replies to it go to the table's coordinators, and their answers back, in each reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from notify.fanout import Email, Recipient, Rendered, Told, group_recipient, tell
from storage.announcements import (
    Announcement,
    Audience,
    Channel,
    Reply,
    audience_people,
    preferences,
    reach,
)
from storage.outbox import OutboxKind, StoredFile
from storage.people import Person, Table
from views.announcements import (
    PART_LIMIT,
    ack_keyboard,
    announcement_email,
    announcement_subject,
    announcement_text,
    answer_keyboard,
    answer_text,
    reply_text,
)
from views.language import reader_language
from views.text import split_text


@dataclass(frozen=True)
class Reach:
    """Who an announcement would reach, and how: people (by their choice) and groups."""

    people: list[Recipient]
    groups: list[Recipient]

    @property
    def by_telegram(self) -> int:
        return sum(1 for r in self.people if r.chat_id is not None)

    @property
    def by_email(self) -> int:
        return sum(1 for r in self.people if r.email is not None)

    @property
    def unreachable(self) -> int:
        """Neither a Telegram account nor an e-mail address they want it at."""
        return sum(1 for r in self.people if r.chat_id is None and r.email is None)

    @property
    def anyone(self) -> bool:
        return bool(self.groups) or len(self.people) > self.unreachable


async def reach_of(
    session: AsyncSession,
    *,
    tables: Sequence[Table],
    audience: Audience,
    today: date,
    default_language: str,
    exclude: int | None = None,
) -> Reach:
    """The chosen people of these tables (not `exclude`, the author), and with "everyone" the
    tables' groups."""
    people = await audience_people(
        session, {t.id for t in tables}, audience, today, exclude=exclude
    )
    chosen = await preferences(session, [p.id for p in people])
    to = []
    for person in people:
        channel = chosen.get(person.id, Channel.TELEGRAM)
        chat, email = reach(person.telegram_id, person.email, channel)
        to.append(
            Recipient(
                reader_language(person, default_language),
                chat_id=chat,
                person_id=person.id,
                email=email,
            )
        )
    groups = (
        [g for t in tables for g in group_recipient(t, default_language)]
        if audience is Audience.MEMBERS
        else []
    )
    return Reach(to, groups)


async def queue_announcement(
    session: AsyncSession,
    i18n: I18n,
    announcement: Announcement,
    to: Reach,
    *,
    tables: Sequence[Table],
    author: str | None,
    now: datetime,
    file: StoredFile | None = None,
) -> Told:
    """Write every copy of the announcement to the outbox, in the caller's transaction.

    Telegram copies go out at `announcement.send_at`; the report counts the first batch.
    """
    attachments = [{"file_id": file.id}] if file is not None else []
    parts: list[int] = []

    def view(language: str) -> Rendered:
        text = announcement_text(tables, language, announcement.text, author)
        parts.append(len(split_text(text, PART_LIMIT)))
        return Rendered(
            text,
            ack_keyboard(announcement.id) if announcement.ask_ack else None,
            Email(
                announcement_subject(tables, language),
                announcement_email(announcement.text, author),
                attachments,
            ),
        )

    told = await tell(
        session,
        i18n,
        [*to.people, *to.groups],
        view,
        batch=announcement.batch,
        now=now,
        kind=OutboxKind(announcement.file_kind) if announcement.file_kind else OutboxKind.TEXT,
        file=file,
        not_before=announcement.send_at,
        pin=announcement.pin,
        limit=PART_LIMIT,
        originator_id=announcement.author_id,
    )
    announcement.parts = max(parts, default=1)
    announcement.never_started = told.unreachable
    return told


async def coordinators_of(
    session: AsyncSession, announcement: Announcement, today: date, default_language: str
) -> list[Recipient]:
    """Who reads the replies to an announcement: its tables' coordinators on Telegram."""
    people = await audience_people(
        session, set(announcement.table_ids), Audience.COORDINATORS, today
    )
    return [
        Recipient(reader_language(p, default_language), chat_id=p.telegram_id, person_id=p.id)
        for p in people
        if p.telegram_id is not None
    ]


async def forward_reply(
    session: AsyncSession,
    i18n: I18n,
    to: list[Recipient],
    *,
    reply: Reply,
    announcement: Announcement,
    member: Person,
    now: datetime,
) -> Told:
    return await tell(
        session,
        i18n,
        to,
        lambda _language: Rendered(
            reply_text(member.full_name, reply.text, announcement.text), answer_keyboard(reply.id)
        ),
        batch=f"reply:{reply.id}",
        now=now,
        originator_id=member.id,
    )


async def send_answer(
    session: AsyncSession,
    i18n: I18n,
    member: Person,
    *,
    coordinator: Person,
    text: str,
    batch: str,
    now: datetime,
) -> Told:
    """A coordinator's answer to one member, in the member's language."""
    to = [
        Recipient(
            reader_language(member, i18n.default_locale),
            chat_id=member.telegram_id,
            person_id=member.id,
        )
    ]
    return await tell(
        session,
        i18n,
        to,
        lambda _language: Rendered(answer_text(coordinator.full_name, text)),
        batch=batch,
        now=now,
        originator_id=coordinator.id,
    )
