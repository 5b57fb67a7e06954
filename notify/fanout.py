"""The one fan-out: a view told to many recipients, each rendered in their own language.

Handlers and ticks call `tell` inside the transaction of the act that caused it; the outbox
sender delivers later, within Telegram's limits. A view is a function of the reader's language,
called with that language active in gettext, so `_()` inside it speaks to that reader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from storage.announcements import Channel, preferences
from storage.outbox import OutboxKind, Outgoing, StoredFile, enqueue_email, queue
from storage.people import Person, Table
from views.language import reader_language
from views.text import CAPTION_LIMIT, TEXT_LIMIT, split_text, visible_length


@dataclass(frozen=True)
class Recipient:
    """Someone to tell (a person, or a table's group) and how to reach them."""

    language: str
    chat_id: int | None = None  # Telegram chat, when they have opened one with the bot
    person_id: int | None = None
    email: str | None = None  # when they chose e-mail, only or as well
    telegram: bool = True  # False when they chose e-mail only
    is_group: bool = False


@dataclass(frozen=True)
class Email:
    subject: str
    body: str  # plain text
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Rendered:
    """One reader's copy: HTML text (the caption when a file goes with it), buttons, e-mail."""

    text: str | None
    markup: InlineKeyboardMarkup | None = None
    email: Email | None = None


View = Callable[[str], Rendered | None]


@dataclass
class Told:
    """What `tell` queued: Telegram rows by chat id (with each chat's language), e-mails, and
    how many recipients could be reached by neither."""

    rows: dict[int, int] = field(default_factory=dict)
    languages: dict[int, str] = field(default_factory=dict)
    emails: int = 0
    unreachable: int = 0

    @property
    def messages(self) -> int:
        return len(self.rows)


def person_recipient(
    person: Person, default_language: str, channel: Channel = Channel.TELEGRAM
) -> Recipient:
    chat = person.telegram_id if person.private_chat_open else None
    wants_email = channel in (Channel.EMAIL, Channel.BOTH) and bool(person.email)
    return Recipient(
        language=reader_language(person, default_language),
        chat_id=chat,
        person_id=person.id,
        email=person.email.lower() if wants_email and person.email else None,
        telegram=not (wants_email and channel is Channel.EMAIL),
    )


async def recipients(
    session: AsyncSession, people: Iterable[Person], default_language: str
) -> list[Recipient]:
    """People as recipients, with the channel each has chosen (Telegram, e-mail or both)."""
    chosen = list(people)
    channels = await preferences(session, [p.id for p in chosen])
    return [
        person_recipient(p, default_language, channels.get(p.id, Channel.TELEGRAM)) for p in chosen
    ]


def group_recipient(table: Table | None, default_language: str) -> list[Recipient]:
    """The table's group, in the default language; nobody when no group is linked."""
    if table is None or table.group_chat_id is None:
        return []
    return [Recipient(default_language, chat_id=table.group_chat_id, is_group=True)]


async def tell(
    session: AsyncSession,
    i18n: I18n,
    to: Sequence[Recipient],
    view: View,
    *,
    batch: str,
    now: datetime,
    kind: OutboxKind = OutboxKind.TEXT,
    file: StoredFile | None = None,
    not_before: datetime | None = None,
    pin: bool = False,
    limit: int = TEXT_LIMIT,
    originator_id: int | None = None,
) -> Told:
    """Queue `view` for every recipient, rendered once per language.

    Text longer than `limit` goes out in parts (batches `batch`, `batch/2`, …), the
    buttons on the last part; with a file, a caption that does not fit goes before it as text.
    Recipients who chose e-mail get the view's e-mail, when it has one; a view without an
    e-mail reaches them in Telegram. The view may return None for a language: nothing is sent.
    `originator_id` is the person who caused it: told if a copy fails for good.
    """
    rendered: dict[str, Rendered | None] = {}
    for language in sorted({r.language for r in to}):
        with i18n.context(), i18n.use_locale(language):
            rendered[language] = view(language)

    told = Told()
    outgoing: dict[str, list[tuple[int, Recipient]]] = {}
    emails: dict[str, dict[str, int | None]] = {}
    for recipient in to:
        copy = rendered[recipient.language]
        if copy is None:
            continue
        by_email = recipient.email is not None and copy.email is not None
        if by_email:
            emails.setdefault(recipient.language, {})[str(recipient.email)] = recipient.person_id
        chat = recipient.chat_id
        by_telegram = chat is not None and (recipient.telegram or copy.email is None)
        if chat is not None and by_telegram:
            outgoing.setdefault(recipient.language, []).append((chat, recipient))
        if not (by_email or by_telegram):
            told.unreachable += 1

    for language, chats in outgoing.items():
        copy = rendered[language]
        assert copy is not None
        parts = _parts(copy.text, with_file=file is not None, limit=limit)
        markup = copy.markup.model_dump(exclude_none=True) if copy.markup else None
        for number, text in enumerate(parts, start=1):
            last = number == len(parts)
            carries_file = file is not None and last
            added = await queue(
                session,
                batch=batch if number == 1 else f"{batch}/{number}",
                messages=[
                    Outgoing(
                        chat,
                        text,
                        markup if last else None,
                        person_id=r.person_id,
                        is_group=r.is_group,
                        pin=pin and number == 1,
                    )
                    for chat, r in chats
                ],
                now=now,
                kind=kind if carries_file else OutboxKind.TEXT,
                file=file if carries_file else None,
                not_before=not_before,
                originator_id=originator_id,
            )
            if number == 1:
                told.rows.update(added)
                told.languages.update({chat: language for chat in added})

    for language, addresses in emails.items():
        mail = rendered[language]
        assert mail is not None and mail.email is not None
        told.emails += await enqueue_email(
            session,
            batch=f"{batch}/mail",
            recipients=addresses,
            subject=mail.email.subject,
            body=mail.email.body,
            attachments=mail.email.attachments,
            now=now,
            not_before=not_before,
            originator_id=originator_id,
        )
    return told


def _parts(text: str | None, *, with_file: bool, limit: int) -> list[str | None]:
    """The messages one copy takes; with a file, the last one is the file and its caption."""
    if text is None:
        return [None]
    if with_file:
        if visible_length(text) <= CAPTION_LIMIT:
            return [text]
        return [*split_text(text, limit), None]
    return list(split_text(text, limit)) or [text]
