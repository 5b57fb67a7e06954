"""Telling reminders: one person's reminder, or their daily digest, in their own language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from notify.fanout import Recipient, Rendered, tell
from storage.people import Person, Table
from storage.reminder_rules import Digest, ReminderKind
from storage.reminders import Reminder
from views.language import reader_language
from views.reminders import digest_text, reminder_text


def _reader(person: Person, default_language: str) -> list[Recipient]:
    return [
        Recipient(
            reader_language(person, default_language),
            chat_id=person.telegram_id,
            person_id=person.id,
        )
    ]


async def tell_reminder(
    session: AsyncSession,
    i18n: I18n,
    reminder: Reminder,
    person: Person,
    *,
    table: Table | None,
    zone: ZoneInfo,
    at: datetime,
    now: datetime,
) -> int:
    """Queue one reminder for one person, to leave at `at`; returns how many rows were added.

    The batch is unique per reminder (and its generation) and person, so it is queued once.
    """

    def view(language: str) -> Rendered:
        title = (
            table.name(language)
            if table is not None and reminder.kind is ReminderKind.TERM_ENDING
            else reminder.title
        )
        return Rendered(reminder_text(reminder.kind, title, reminder.anchor_at, zone, language))

    told = await tell(
        session,
        i18n,
        _reader(person, i18n.default_locale),
        view,
        batch=f"rem:{reminder.id}.{reminder.generation}:{person.id}",
        now=now,
        not_before=at,
    )
    return told.messages


async def tell_digest(
    session: AsyncSession, i18n: I18n, person: Person, digest: Digest, *, batch: str, now: datetime
) -> int:
    """Queue one person's digest of the day's reminders; returns how many rows were added."""
    told = await tell(
        session,
        i18n,
        _reader(person, i18n.default_locale),
        lambda language: Rendered(digest_text(digest.lines, language)),
        batch=batch,
        now=now,
    )
    return told.messages
