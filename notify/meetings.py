"""Telling a meeting's people: its invited (each in their language and channel) and its table's
group; used by the meeting handlers and the meetings tick alike."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from notify.fanout import (
    Email,
    Recipient,
    Rendered,
    Told,
    group_recipient,
    person_recipient,
    recipients,
    tell,
)
from storage.ics import Invitation, invitation_ics, meeting_uid
from storage.meetings import (
    Meeting,
    MeetingPost,
    MeetingStatus,
    agenda,
    participants,
    poll_state,
    suggest,
)
from storage.outbox import OutboxKind, StoredFile
from storage.people import Person, Table
from views.meetings.agenda import agenda_file_caption, agenda_plain, agenda_text
from views.meetings.meeting import (
    invitation_mail_body,
    invitation_subject,
    invitation_text,
    rsvp_keyboard,
)
from views.meetings.minutes import check_request, minutes_published
from views.meetings.poll import confirm_question, poll_closed_notice, poll_keyboard, poll_text


async def table_of(session: AsyncSession, meeting: Meeting) -> Table | None:
    return await session.get(Table, meeting.table_id) if meeting.table_id else None


async def audience(
    session: AsyncSession,
    meeting: Meeting,
    settings: Settings,
    *,
    group: bool = True,
    only: Collection[int] | None = None,
) -> list[Recipient]:
    """The invited people (`only` these person ids), and the table's group unless `group` is
    False; each person with their language and chosen channel."""
    people = [
        person
        for _row, person in await participants(session, meeting.id)
        if only is None or person.id in only
    ]
    to = await recipients(session, people, settings.default_language)
    if group:
        to += group_recipient(await table_of(session, meeting), settings.default_language)
    return to


def _text(render: Callable[[str], str]) -> Callable[[str], Rendered]:
    return lambda language: Rendered(render(language))


# ---- the time poll ---------------------------------------------------------------------------


async def tell_poll(
    session: AsyncSession, i18n: I18n, settings: Settings, meeting: Meeting, now: datetime
) -> Told:
    """The poll to the invited and the group; each chat's copy is remembered as its results
    message, edited later in that chat's language by the meetings tick."""
    table = await table_of(session, meeting)
    state = await poll_state(session, meeting.id)
    invited = len(await participants(session, meeting.id))
    to = await audience(session, meeting, settings)

    def view(language: str) -> Rendered:
        return Rendered(
            poll_text(meeting, table, state, invited, settings.zone, language),
            poll_keyboard(meeting, state.slots),
        )

    told = await tell(
        session,
        i18n,
        to,
        view,
        batch=f"meeting:{meeting.id}:poll",
        now=now,
        originator_id=meeting.created_by_id,
    )
    person_of = {r.chat_id: r.person_id for r in to if r.chat_id is not None}
    for chat_id, outbox_id in told.rows.items():
        session.add(
            MeetingPost(
                meeting_id=meeting.id,
                purpose="poll",
                chat_id=chat_id,
                person_id=person_of.get(chat_id),
                language=told.languages[chat_id],
                outbox_id=outbox_id,
                edited_version=0,
            )
        )
    await session.flush()
    return told


async def after_poll_closed(
    session: AsyncSession, i18n: I18n, settings: Settings, meeting: Meeting, now: datetime
) -> None:
    """Whoever closed it (the organiser or the deadline): everyone hears the poll has closed
    and which time most can come; the organiser is asked to confirm a time."""
    zone = settings.zone
    best = await suggest(session, meeting)
    await tell(
        session,
        i18n,
        await audience(session, meeting, settings),
        _text(lambda language: poll_closed_notice(meeting, best, zone, language)),
        batch=f"meeting:{meeting.id}:closed",
        originator_id=meeting.created_by_id,
        now=now,
    )
    organiser = await session.get(Person, meeting.created_by_id) if meeting.created_by_id else None
    if organiser is None:
        return

    def question(language: str) -> Rendered:
        return Rendered(*confirm_question(meeting, best, zone, language))

    await tell(
        session,
        i18n,
        [person_recipient(organiser, settings.default_language)],
        question,
        batch=f"meeting:{meeting.id}:confirm",
        originator_id=meeting.created_by_id,
        now=now,
    )


# ---- the invitation --------------------------------------------------------------------------


def _ics_file(meeting: Meeting, settings: Settings, now: datetime) -> StoredFile:
    assert meeting.starts_at is not None and meeting.ends_at is not None
    invitation = Invitation(
        meeting_uid(meeting.id),
        meeting.title,
        meeting.starts_at,
        meeting.ends_at,
        meeting.place,
        "",
        meeting.ics_sequence,
        cancelled=meeting.status is MeetingStatus.CANCELLED,
    )
    return StoredFile(
        file_name=f"kokous-{meeting.id}.ics",
        mime_type="text/calendar",
        content=invitation_ics(invitation, settings.zone, now),
        created_at=now,
    )


async def tell_invitation(
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    meeting: Meeting,
    now: datetime,
    *,
    moved: bool = False,
) -> Told:
    """The invitation (or its change or cancellation) with the .ics, to the group and everyone
    invited; those who chose e-mail get it there with the same .ics (e-mail only: no Telegram)."""
    table = await table_of(session, meeting)
    file = _ics_file(meeting, settings, now)
    session.add(file)
    await session.flush()
    cancelled = meeting.status is MeetingStatus.CANCELLED
    zone = settings.zone

    def view(language: str) -> Rendered:
        return Rendered(
            invitation_text(meeting, table, zone, language, moved=moved),
            None if cancelled else rsvp_keyboard(meeting.id),
            email=Email(
                invitation_subject(meeting),
                invitation_mail_body(meeting, table, zone, language, moved=moved),
                [{"file_id": file.id}],
            ),
        )

    return await tell(
        session,
        i18n,
        await audience(session, meeting, settings),
        view,
        batch=f"meeting:{meeting.id}:ics:{meeting.ics_sequence}",
        originator_id=meeting.created_by_id,
        now=now,
        kind=OutboxKind.DOCUMENT,
        file=file,
    )


# ---- the agenda ------------------------------------------------------------------------------


async def tell_agenda(
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    meeting: Meeting,
    now: datetime,
    *,
    changed: bool,
) -> None:
    """The agenda once per version: split across messages (never cut), the first pinned in the
    group; then as a printable document in each reader's language."""
    table = await table_of(session, meeting)
    items = await agenda(session, meeting.id)
    batch = f"meeting:{meeting.id}:agenda:{meeting.agenda_version}"
    to = await audience(session, meeting, settings)
    zone = settings.zone
    await tell(
        session,
        i18n,
        to,
        _text(
            lambda language: agenda_text(meeting, table, items, zone, language, changed=changed)
        ),
        batch=batch,
        originator_id=meeting.created_by_id,
        now=now,
        pin=True,
    )
    for language in sorted({r.language for r in to}):
        with i18n.context(), i18n.use_locale(language):
            content = agenda_plain(meeting, table, items, zone, language)
        file = StoredFile(
            file_name=f"esityslista-{meeting.id}.txt",
            mime_type="text/plain",
            content=content,
            created_at=now,
        )
        session.add(file)
        await session.flush()
        await tell(
            session,
            i18n,
            [r for r in to if r.language == language],
            lambda _language: Rendered(agenda_file_caption()),
            batch=f"{batch}:doc",
            originator_id=meeting.created_by_id,
            now=now,
            kind=OutboxKind.DOCUMENT,
            file=file,
        )


# ---- the minutes -----------------------------------------------------------------------------


async def ask_checkers(
    session: AsyncSession,
    i18n: I18n,
    settings: Settings,
    meeting: Meeting,
    now: datetime,
    checkers: list[int],
    file: StoredFile | None,
) -> None:
    """Each chosen checker gets the minutes (the file, or the text) and an approve button."""

    def view(language: str) -> Rendered:
        return Rendered(*check_request(meeting, with_text=file is None))

    await tell(
        session,
        i18n,
        await audience(session, meeting, settings, group=False, only=checkers),
        view,
        batch=f"meeting:{meeting.id}:check:{now.timestamp():.0f}",
        originator_id=meeting.created_by_id,
        now=now,
        kind=OutboxKind.DOCUMENT if file else OutboxKind.TEXT,
        file=file,
    )


async def tell_minutes(
    session: AsyncSession, i18n: I18n, settings: Settings, meeting: Meeting, now: datetime
) -> None:
    """The published minutes to everyone: the document with a caption, or the text in parts."""
    file = (
        await session.get(StoredFile, meeting.minutes_file_id) if meeting.minutes_file_id else None
    )
    await tell(
        session,
        i18n,
        await audience(session, meeting, settings),
        _text(lambda language: minutes_published(meeting, with_text=file is None)),
        batch=f"meeting:{meeting.id}:minutes",
        originator_id=meeting.created_by_id,
        now=now,
        kind=OutboxKind.DOCUMENT if file else OutboxKind.TEXT,
        file=file,
    )
