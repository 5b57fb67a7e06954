"""Personal data, table by table: how it is exported, erased and how long it is kept.

Every table of the schema is declared in `POLICIES`; tests/unit/test_personal_registry.py fails
for a table (or a new link to people) that is not. Export and erasure follow the declarations,
so a table declared here is exported and erased without more code.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    cast,
    delete,
    false,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import AuditEntry, record
from storage.base import Base
from storage.outbox import FINAL
from storage.people import Person
from storage.reminders import Reminder, ReminderStatus
from storage.replicas import FloodMark, FormState
from storage.updates import (
    ProcessedUpdate,
    QueuedUpdate,
    forget_before,
    person_key_as_stored,
)
from storage.votes import Ballot, BallotStatus, OpenVote

# What erased people are called where records keep them (the tables work in Finnish).
ERASED_NAME = "poistettu jäsen"


class Erase(enum.StrEnum):
    DELETE = "delete"  # the person's rows are deleted
    BLANK = "blank"  # the personal columns of the person's rows are emptied; the row stays
    KEEP = "keep"  # a record of the table's work: kept, the person shows as ERASED_NAME
    CUSTOM = "custom"  # a step of its own in `_CUSTOM` below (people: `_blank_person`)
    NOT_PERSONAL = "not_personal"


class Keep(enum.StrEnum):
    """How long rows are kept; the *_DAYS ones are settings applied by the daily job."""

    OUTBOX_DAYS = "retention_outbox_days"
    EMAIL_DAYS = "retention_email_days"
    REPLIES_DAYS = "retention_replies_days"
    UPDATES_DAYS = "retention_updates_days"
    AUDIT_DAYS = "retention_audit_days"
    INVITES_DAYS = "retention_invites_days"
    WHILE_MEMBER = "while_member"  # until the person's data is erased
    RECORD = "record"  # kept as a record of decisions and documents
    NOT_PERSONAL = "not_personal"


@dataclass(frozen=True)
class Policy:
    erase: Erase
    keep: Keep
    why: str
    # Columns that point at people.id (the test checks this list against the schema).
    person_columns: tuple[str, ...] = ()
    # JSON columns holding lists of people ids, which the schema cannot show.
    person_lists: tuple[str, ...] = ()
    # Which of person_columns pick the rows erasure changes (default: all of them).
    erase_where: tuple[str, ...] = ()
    # Which of person_columns pick the rows the export shows (default: all of them).
    export_where: tuple[str, ...] = ()
    # Erase.BLANK: column -> the empty value it gets.
    blank: dict[str, Any] = field(default_factory=dict)
    # Left out of the export: secrets and what would tell more than the person's own data.
    hidden: tuple[str, ...] = ()


POLICIES: dict[str, Policy] = {
    "people": Policy(
        Erase.CUSTOM,
        Keep.WHILE_MEMBER,
        "name, username, e-mail and language; the row stays so records keep an author",
        person_columns=("id",),
    ),
    "memberships": Policy(
        Erase.DELETE, Keep.WHILE_MEMBER, "roles at the tables", person_columns=("person_id",)
    ),
    "contact_preferences": Policy(
        Erase.DELETE, Keep.WHILE_MEMBER, "Telegram or e-mail", person_columns=("person_id",)
    ),
    "reminder_preferences": Policy(
        Erase.DELETE, Keep.WHILE_MEMBER, "reminder settings", person_columns=("person_id",)
    ),
    "reminder_digest_items": Policy(
        Erase.DELETE,
        Keep.OUTBOX_DAYS,
        "reminders waiting for the person's daily digest",
        person_columns=("person_id",),
    ),
    "reminders": Policy(
        Erase.CUSTOM,
        Keep.WHILE_MEMBER,
        "scheduled reminders; the person is taken off the ones still to come",
        person_lists=("person_ids",),
    ),
    "announcements": Policy(
        Erase.BLANK,
        Keep.RECORD,
        "announcements sent to the tables; the author's progress message is forgotten",
        person_columns=("author_id",),
        blank={"progress_chat_id": None, "progress_message_id": None, "progress_text": None},
    ),
    "announcement_acks": Policy(
        Erase.DELETE,
        Keep.REPLIES_DAYS,
        "'I have read this' presses",
        person_columns=("person_id",),
    ),
    "announcement_replies": Policy(
        Erase.DELETE,
        Keep.REPLIES_DAYS,
        "replies to announcements, forwarded to coordinators",
        person_columns=("person_id",),
    ),
    "audit_log": Policy(
        Erase.CUSTOM,
        Keep.AUDIT_DAYS,
        "who did which administrative act; details are emptied after the retention time",
        person_columns=("actor_id",),
    ),
    "outbox": Policy(
        Erase.DELETE,
        Keep.OUTBOX_DAYS,
        "messages sent by the bot; their texts are emptied after the retention time",
        # Messages the person caused (announcements, replies) go with them too, but their
        # export shows only what was sent to them: the rest names other people.
        person_columns=("person_id", "originator_id"),
        export_where=("person_id",),
    ),
    "email_outbox": Policy(
        Erase.DELETE,
        Keep.EMAIL_DAYS,
        "e-mails sent; deleted after the retention time",
        # Messages the person caused (announcements, replies) go with them too, but their
        # export shows only what was sent to them: the rest names other people.
        person_columns=("person_id", "originator_id"),
        export_where=("person_id",),
    ),
    "meeting_posts": Policy(
        Erase.DELETE,
        Keep.WHILE_MEMBER,
        "meeting messages the bot edits later",
        person_columns=("person_id",),
    ),
    "invites": Policy(
        Erase.BLANK,
        Keep.INVITES_DAYS,
        "invite links; the invitee's name and e-mail are emptied after the retention time",
        person_columns=("created_by", "used_by"),
        erase_where=("used_by",),
        blank={"invitee_name": None, "invitee_email": None},
        hidden=("token",),
    ),
    "meetings": Policy(
        Erase.KEEP, Keep.RECORD, "meetings and minutes", person_columns=("created_by_id",)
    ),
    "agenda_items": Policy(
        Erase.KEEP, Keep.RECORD, "agenda items proposed", person_columns=("proposed_by_id",)
    ),
    "meeting_participants": Policy(
        Erase.KEEP,
        Keep.RECORD,
        "who came to a meeting and who checked its minutes",
        person_columns=("person_id",),
    ),
    "meeting_votes": Policy(
        Erase.DELETE,
        Keep.WHILE_MEMBER,
        "answers to meeting time polls",
        person_columns=("person_id",),
    ),
    "statements": Policy(
        Erase.KEEP, Keep.RECORD, "statements of the tables", person_columns=("created_by",)
    ),
    "statement_drafters": Policy(
        Erase.DELETE, Keep.WHILE_MEMBER, "who drafts a statement", person_columns=("person_id",)
    ),
    "statement_versions": Policy(
        Erase.KEEP, Keep.RECORD, "versions of statements", person_columns=("author_id",)
    ),
    "amendments": Policy(
        Erase.KEEP,
        Keep.RECORD,
        "amendments to statements and who decided them",
        person_columns=("author_id", "decided_by"),
    ),
    "dissenting_opinions": Policy(
        Erase.KEEP,
        Keep.RECORD,
        "dissenting opinions, part of the statement as given",
        person_columns=("person_id",),
    ),
    "ballots": Policy(
        Erase.KEEP, Keep.RECORD, "votes and their results", person_columns=("created_by",)
    ),
    "open_votes": Policy(
        Erase.CUSTOM,
        Keep.RECORD,
        "open votes: kept on closed ballots as the decision's record, deleted on open ones",
        person_columns=("person_id",),
    ),
    "secret_participation": Policy(
        Erase.NOT_PERSONAL,
        Keep.RECORD,
        "sealed voter marks (a keyed hash, no person link), deleted when the ballot closes",
    ),
    "processed_updates": Policy(
        Erase.CUSTOM,
        Keep.UPDATES_DAYS,
        "Telegram update numbers already handled, and whose (to keep each person's in order)",
    ),
    "queued_updates": Policy(
        Erase.CUSTOM,
        Keep.UPDATES_DAYS,
        "updates as Telegram sent them, until handled (seconds); one left for days is dropped",
    ),
    "stored_files": Policy(
        Erase.KEEP, Keep.RECORD, "documents of the tables' work (agendas, minutes, attachments)"
    ),
    "tables": Policy(Erase.NOT_PERSONAL, Keep.NOT_PERSONAL, "the partnership tables"),
    "table_vote_rules": Policy(Erase.NOT_PERSONAL, Keep.NOT_PERSONAL, "voting rules"),
    "reminder_table_settings": Policy(Erase.NOT_PERSONAL, Keep.NOT_PERSONAL, "reminder times"),
    "meeting_slots": Policy(Erase.NOT_PERSONAL, Keep.NOT_PERSONAL, "times proposed"),
    "statement_attachments": Policy(Erase.NOT_PERSONAL, Keep.NOT_PERSONAL, "files of statements"),
    "form_states": Policy(
        Erase.CUSTOM,
        Keep.WHILE_MEMBER,
        "half-filled forms (what a person has typed so far), until the form ends",
    ),
    "flood_marks": Policy(
        Erase.CUSTOM,
        Keep.UPDATES_DAYS,
        "when a Telegram account last sent updates, for the flood guard's ten seconds",
    ),
    "shared_pauses": Policy(Erase.NOT_PERSONAL, Keep.NOT_PERSONAL, "Telegram's 429 pause"),
    "secret_choices": Policy(Erase.NOT_PERSONAL, Keep.NOT_PERSONAL, "secret choices, unlinked"),
}


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _rows_of(name: str, person: Person, columns: tuple[str, ...]) -> ColumnElement[bool]:
    """The rows of `name` that are the person's: by their links, and by their chat or address."""
    table = _table(name)
    conditions: list[ColumnElement[bool]] = [table.c[column] == person.id for column in columns]
    if name == "outbox" and person.telegram_id is not None:
        conditions.append(and_(table.c.chat_id == person.telegram_id, table.c.is_group.is_(False)))
    if name == "email_outbox" and person.email:
        conditions.append(table.c.address == person.email)
    return or_(*conditions) if conditions else false()


# ---- export ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


async def export_person(session: AsyncSession, person: Person) -> dict[str, list[dict[str, Any]]]:
    """Every row about the person, table by table (tables with nothing are left out)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, policy in POLICIES.items():
        rows = await _export_rows(session, name, policy, person)
        if rows:
            found[name] = rows
    return found


async def _export_rows(
    session: AsyncSession, name: str, policy: Policy, person: Person
) -> list[dict[str, Any]]:
    table = _table(name)
    if policy.person_lists:
        # Few rows, and JSON lists are searched alike on both databases only in Python.
        result = await session.execute(select(table))
        rows = [
            row
            for row in result.mappings()
            if any(person.id in (row[column] or ()) for column in policy.person_lists)
        ]
    elif policy.person_columns:
        result = await session.execute(
            select(table).where(
                _rows_of(name, person, policy.export_where or policy.person_columns)
            )
        )
        rows = list(result.mappings())
    else:
        return []
    return [
        {key: _plain(value) for key, value in row.items() if key not in policy.hidden}
        for row in rows
    ]


# ---- erasure --------------------------------------------------------------------------------


async def erase_person(
    session: AsyncSession, person: Person, *, now: datetime, actor_id: int | None
) -> bool:
    """Remove the person's personal data; records stay with ERASED_NAME as the author.

    False if the person was already erased (two presses at once erase once).
    """
    claimed = await session.execute(
        update(Person)
        .where(Person.id == person.id, Person.erased_at.is_(None))
        .values(erased_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    # The custom steps first: they read what the others delete (the audit looks up invites).
    for step in _CUSTOM.values():
        await step(session, person)
    # Children first, so that a deleted row is never still pointed at (meeting_posts -> outbox).
    for table in reversed(Base.metadata.sorted_tables):
        policy = POLICIES[table.name]
        where = policy.erase_where or policy.person_columns
        if policy.erase is Erase.DELETE:
            await session.execute(delete(table).where(_rows_of(table.name, person, where)))
        elif policy.erase is Erase.BLANK:
            await session.execute(
                update(table).where(_rows_of(table.name, person, where)).values(policy.blank)
            )
    person_id = person.id
    await _blank_person(session, person, now)
    await record(
        session,
        actor_id=None if actor_id == person_id else actor_id,
        action="person.erased",
        subject=f"person:{person_id}",
        detail={"by": "self" if actor_id == person_id else "coordinator"},
        at=now,
    )
    return True


async def _blank_person(session: AsyncSession, person: Person, now: datetime) -> None:
    person.telegram_id = None
    person.first_name = ERASED_NAME
    person.last_name = None
    person.username = None
    person.email = None
    person.language = None
    person.telegram_language = None
    person.private_chat_open = False
    person.erased_at = now
    await session.flush()


async def _reminders(session: AsyncSession, person: Person) -> None:
    waiting = await session.scalars(
        select(Reminder).where(Reminder.status == ReminderStatus.PENDING)
    )
    for reminder in waiting:
        if person.id in (reminder.person_ids or ()):
            reminder.person_ids = [i for i in reminder.person_ids if i != person.id]


async def _audit_log(session: AsyncSession, person: Person) -> None:
    """Acts stay (who did what is the record); their details, which may name people, go."""
    await session.execute(
        update(AuditEntry)
        .where(or_(AuditEntry.actor_id == person.id, AuditEntry.subject == f"person:{person.id}"))
        .values(detail={})
    )
    names = {
        name
        for name in await session.scalars(
            select(_table("invites").c.invitee_name).where(
                _table("invites").c.used_by == person.id
            )
        )
        if name
    }
    if names:
        created = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "invite.create")
        )
        for entry in created:
            if entry.detail.get("name") in names:
                entry.detail = {}


async def _open_votes(session: AsyncSession, person: Person) -> None:
    open_ballots = select(Ballot.id).where(Ballot.status == BallotStatus.OPEN)
    await session.execute(
        delete(OpenVote).where(
            OpenVote.person_id == person.id, OpenVote.ballot_id.in_(open_ballots)
        )
    )


async def _form_states(session: AsyncSession, person: Person) -> None:
    # Keys are aiogram's "prefix:bot:chat:user:destiny"; the person is the user part.
    if person.telegram_id is not None:
        await session.execute(
            delete(FormState).where(FormState.key.like(f"%:%:%:{person.telegram_id}:%"))
        )


async def _flood_marks(session: AsyncSession, person: Person) -> None:
    if person.telegram_id is not None:
        marked = person_key_as_stored(session, person.telegram_id)
        await session.execute(delete(FloodMark).where(FloodMark.telegram_id == marked))


async def _updates(session: AsyncSession, person: Person) -> None:
    if person.telegram_id is not None:
        key = person_key_as_stored(session, person.telegram_id)
        await session.execute(delete(QueuedUpdate).where(QueuedUpdate.person_key == key))
        await session.execute(
            update(ProcessedUpdate)
            .where(ProcessedUpdate.person_key == key)
            .values(person_key=None)
        )


_CUSTOM: dict[str, Callable[[AsyncSession, Person], Awaitable[None]]] = {
    "processed_updates": _updates,
    "queued_updates": _updates,
    "form_states": _form_states,
    "flood_marks": _flood_marks,
    "reminders": _reminders,
    "audit_log": _audit_log,
    "open_votes": _open_votes,
}


# ---- retention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionDays:
    outbox: int
    email: int
    replies: int
    updates: int
    audit: int
    invites: int


async def apply_retention(
    session: AsyncSession, now: datetime, days: RetentionDays
) -> dict[str, int]:
    """Forget what has been kept long enough; how many rows each step touched."""
    done: dict[str, int] = {}

    def before(n: int) -> datetime:
        return now - timedelta(days=n)

    outbox, email = _table("outbox"), _table("email_outbox")
    finished = [status.value for status in FINAL]
    done["outbox"] = await _count(
        session,
        update(outbox)
        .where(
            outbox.c.status.in_(finished),
            outbox.c.created_at < before(days.outbox),
            outbox.c.error.is_not(None) | _not_empty(outbox.c.payload),
        )
        .values(payload={}, error=None),
    )
    digest = _table("reminder_digest_items")
    done["reminder_digest_items"] = await _count(
        session,
        delete(digest).where(digest.c.sent.is_(True), digest.c.digest_at < before(days.outbox)),
    )
    done["email_outbox"] = await _count(
        session,
        delete(email).where(email.c.status.in_(finished), email.c.created_at < before(days.email)),
    )
    replies, acks = _table("announcement_replies"), _table("announcement_acks")
    done["announcement_replies"] = await _count(
        session, delete(replies).where(replies.c.created_at < before(days.replies))
    )
    done["announcement_acks"] = await _count(
        session, delete(acks).where(acks.c.at < before(days.replies))
    )
    audit = _table("audit_log")
    done["audit_log"] = await _count(
        session,
        update(audit)
        .where(audit.c.at < before(days.audit), _not_empty(audit.c.detail))
        .values(detail={}),
    )
    invites = _table("invites")
    done["invites"] = await _count(
        session,
        update(invites)
        .where(
            invites.c.expires_at < before(days.invites),
            invites.c.invitee_name.is_not(None) | invites.c.invitee_email.is_not(None),
        )
        .values(invitee_name=None, invitee_email=None),
    )
    done["processed_updates"] = await forget_before(session, before(days.updates))
    done["queued_updates"] = await _count(
        session, delete(QueuedUpdate).where(QueuedUpdate.received_at < before(days.updates))
    )
    done["flood_marks"] = await _count(
        session, delete(FloodMark).where(FloodMark.at < before(days.updates))
    )
    return done


def _not_empty(column: Any) -> ColumnElement[bool]:
    # PostgreSQL's json type has no equality; its text form is compared on both databases.
    return cast(column, String) != "{}"


async def _count(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
