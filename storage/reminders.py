"""Reminder rows, people's reminder choices and the API features call when their things change.

Features call `schedule()` when a meeting, poll, vote, statement or minutes is created or moved,
and `cancel()` when it is cancelled, in the same transaction (one call per event):

    await schedule(session, target=Target("meeting", meeting.id), table_id=meeting.table_id,
                   kind=ReminderKind.MEETING, anchor=meeting.starts_at, title=meeting.title,
                   now=clock.now(), audience=Audience.TABLE)
    await cancel(session, Target("meeting", meeting.id))

Poll and vote reminders go only to those who have not answered: the owning feature registers
`register_pending_resolver("meeting_poll", fn)` / `("vote", fn)` at import time, where
`fn(session, target_id)` returns the ids of people who have not answered yet. The scheduler tick
(`scheduler/reminders.py`) turns due rows into outbox messages.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime, text_enum
from storage.outbox import Delivery, OutboxMessage
from storage.people import Membership, Table
from storage.reminder_rules import (
    DEFAULT_OFFSETS,
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    PENDING_RESOLVER,
    Prefs,
    ReminderKind,
    due_times,
)
from storage.roles import SEATED_ROLES, Role

__all__ = [
    "Audience",
    "Reminder",
    "ReminderKind",
    "ReminderPreference",
    "ReminderStatus",
    "TableReminderSettings",
    "Target",
    "cancel",
    "register_pending_resolver",
    "schedule",
]

TITLE_LENGTH = 200


class ReminderStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a tick; if that process dies the claim runs out
    SENT = "sent"  # handed to the outbox (or the digest) for every recipient
    MISSED = "missed"  # fell due while the bot was down and was no longer useful
    FAILED = "failed"  # could not be resolved after several tries


class Audience(enum.IntFlag):
    """Who a reminder is for; resolved from the database when it falls due."""

    MEMBERS = 1  # seated at the table: members, chair, vice-chair, youth representative
    CHAIRS = 2  # chair and vice-chair
    COORDINATORS = 4  # the table's coordinators
    NAMED = 8  # the people listed on the row (drafters, minute checkers)
    TABLE = MEMBERS | COORDINATORS


@dataclass(frozen=True)
class Target:
    """The thing a reminder is about, e.g. Target("meeting", 12)."""

    type: str
    id: int


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        # One row per thing, kind and offset: scheduling again moves it, never adds another.
        UniqueConstraint("target_type", "target_id", "kind", "offset_minutes"),
        Index("ix_reminders_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(text_enum(ReminderKind, 20))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer)
    table_id: Mapped[int | None] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"))
    audience: Mapped[int] = mapped_column(Integer)
    person_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Name of the registered "who has not answered" resolver; None sends to the whole audience.
    pending_key: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    anchor_at: Mapped[datetime] = mapped_column(UtcDateTime)
    offset_minutes: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[ReminderStatus] = mapped_column(
        text_enum(ReminderStatus, 10), default=ReminderStatus.PENDING
    )
    # Bumped when a moved target re-arms a sent reminder, so its outbox batch key is new.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recipients: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def target(self) -> Target:
        return Target(self.target_type, self.target_id)


class ReminderPreference(Base):
    """One person's reminder choices; no row means the defaults."""

    __tablename__ = "reminder_preferences"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    kinds_off: Mapped[list[str]] = mapped_column(JSON, default=list)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)

    def as_prefs(self) -> Prefs:
        return Prefs(
            frozenset(self.kinds_off or ()), self.digest, self.quiet_start, self.quiet_end
        )


class TableReminderSettings(Base):
    """A table's own meeting reminder offsets, in minutes before the meeting."""

    __tablename__ = "reminder_table_settings"

    table_id: Mapped[int] = mapped_column(
        ForeignKey("tables.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_offsets: Mapped[list[int]] = mapped_column(JSON)


class DigestItem(Base):
    """A reminder waiting in one person's daily digest."""

    __tablename__ = "reminder_digest_items"
    __table_args__ = (
        UniqueConstraint("reminder_id", "generation", "person_id"),
        Index("ix_reminder_digest_items_due", "sent", "digest_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    digest_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent: Mapped[bool] = mapped_column(Boolean, default=False)


# ---- "who has not answered yet", registered by the feature that owns the answers -------------

PendingResolver = Callable[[AsyncSession, int], Awaitable[set[int]]]
_PENDING_RESOLVERS: dict[str, PendingResolver] = {}


class UnknownResolver(LookupError):
    """A reminder asks for a resolver no feature registered (yet)."""


def register_pending_resolver(name: str, resolver: PendingResolver) -> None:
    """`resolver(session, target_id)` returns the ids of people who have not answered yet."""
    _PENDING_RESOLVERS[name] = resolver


def unregister_pending_resolver(name: str) -> None:
    _PENDING_RESOLVERS.pop(name, None)


async def pending_people(session: AsyncSession, name: str, target_id: int) -> set[int]:
    resolver = _PENDING_RESOLVERS.get(name)
    if resolver is None:
        raise UnknownResolver(name)
    return set(await resolver(session, target_id))


# ---- scheduling ------------------------------------------------------------------------------


async def _drop_queued(session: AsyncSession, reminders: Iterable[Reminder]) -> None:
    """Messages still waiting in the outbox (e.g. for quiet hours to end) about an old time."""
    conditions = [
        OutboxMessage.batch.startswith(f"rem:{r.id}.{r.generation}:", autoescape=True)
        for r in reminders
    ]
    if conditions:
        await session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.status == Delivery.PENDING, or_(*conditions))
            .execution_options(synchronize_session=False)
        )


async def table_zone(
    session: AsyncSession, table_id: int | None, default: str = "Europe/Helsinki"
) -> ZoneInfo:
    table = await session.get(Table, table_id) if table_id is not None else None
    return ZoneInfo(table.timezone if table else default)


async def offsets_for(
    session: AsyncSession, table_id: int | None, kind: ReminderKind
) -> tuple[int, ...]:
    if kind is ReminderKind.MEETING and table_id is not None:
        settings = await session.get(TableReminderSettings, table_id)
        if settings is not None:
            return tuple(settings.meeting_offsets)
    return DEFAULT_OFFSETS[kind]


async def set_meeting_offsets(
    session: AsyncSession, table_id: int, offsets: Iterable[int]
) -> None:
    """A table's meeting reminders from now on; already scheduled ones move on next schedule()."""
    values = sorted({int(o) for o in offsets if int(o) > 0}, reverse=True)
    settings = await session.get(TableReminderSettings, table_id)
    if settings is None:
        session.add(TableReminderSettings(table_id=table_id, meeting_offsets=values))
    else:
        settings.meeting_offsets = values
    await session.flush()


async def schedule(
    session: AsyncSession,
    *,
    target: Target,
    table_id: int | None,
    kind: ReminderKind,
    anchor: datetime,
    title: str,
    now: datetime,
    audience: Audience = Audience.TABLE,
    person_ids: Iterable[int] = (),
    offsets: Iterable[int] | None = None,
    pending_key: str | None = None,
) -> list[Reminder]:
    """Create or move the reminders of one thing; call again whenever it changes.

    `anchor` is when the thing happens or closes (UTC). Reminders whose time has already passed
    when a thing is created or moved are not made. A moved thing re-arms reminders already sent
    about its old time. Returns the pending reminders.
    """
    if anchor.tzinfo is None:
        raise ValueError("anchor must be an aware datetime")
    zone = await table_zone(session, table_id)
    wanted = due_times(
        anchor,
        offsets if offsets is not None else await offsets_for(session, table_id, kind),
        zone,
    )
    existing = {
        r.offset_minutes: r
        for r in await session.scalars(
            select(Reminder).where(
                Reminder.target_type == target.type,
                Reminder.target_id == target.id,
                Reminder.kind == kind,
            )
        )
    }
    names = sorted(set(person_ids))
    resolver = pending_key or PENDING_RESOLVER.get(kind)
    short_title = title.strip()[:TITLE_LENGTH]
    kept: list[Reminder] = []
    for offset, row in existing.items():
        if offset not in wanted and row.status is not ReminderStatus.SENT:
            await _drop_queued(session, [row])
            await session.delete(row)
    for offset, due_at in sorted(wanted.items(), key=lambda item: item[1]):
        found = existing.get(offset)
        moved = found is not None and found.anchor_at != anchor
        if found is None:
            if due_at <= now:
                continue
            row = Reminder(
                kind=kind,
                target_type=target.type,
                target_id=target.id,
                offset_minutes=offset,
                generation=0,
                attempts=0,
                status=ReminderStatus.PENDING,
                created_at=now,
            )
            session.add(row)
        else:
            row = found
        if moved:
            await _drop_queued(session, [row])
            if due_at <= now:
                if row.status is not ReminderStatus.SENT:
                    await session.delete(row)
                continue
            if row.status is not ReminderStatus.PENDING:
                row.generation += 1
            row.status = ReminderStatus.PENDING
            row.attempts = 0
            row.claim_token = None
            row.claimed_until = None
            row.sent_at = None
            row.recipients = None
            row.error = None
        row.table_id = table_id
        row.audience = int(audience)
        row.person_ids = names
        row.pending_key = resolver
        row.title = short_title
        row.anchor_at = anchor
        row.due_at = due_at
        if row.status is ReminderStatus.PENDING:
            kept.append(row)
    await session.flush()
    return kept


async def cancel(session: AsyncSession, target: Target, kind: ReminderKind | None = None) -> int:
    """Remove every reminder of a cancelled thing (or only one kind of them)."""
    rows = select(Reminder).where(
        Reminder.target_type == target.type, Reminder.target_id == target.id
    )
    await _drop_queued(
        session,
        await session.scalars(rows.where(Reminder.kind == kind) if kind is not None else rows),
    )
    query = delete(Reminder).where(
        Reminder.target_type == target.type, Reminder.target_id == target.id
    )
    if kind is not None:
        query = query.where(Reminder.kind == kind)
    result: Any = await session.execute(query.execution_options(synchronize_session=False))
    await session.flush()
    return int(result.rowcount or 0)


async def reminders_of(session: AsyncSession, target: Target) -> list[Reminder]:
    return list(
        await session.scalars(
            select(Reminder)
            .where(Reminder.target_type == target.type, Reminder.target_id == target.id)
            .order_by(Reminder.due_at)
        )
    )


# ---- who receives a reminder -----------------------------------------------------------------


async def audience_people(session: AsyncSession, reminder: Reminder, today: date) -> set[int]:
    """Person ids the reminder is for today, narrowed to non-responders when it says so."""
    audience = Audience(reminder.audience)
    people: set[int] = set(reminder.person_ids or ()) if Audience.NAMED in audience else set()
    if reminder.table_id is not None and audience & (
        Audience.MEMBERS | Audience.CHAIRS | Audience.COORDINATORS
    ):
        rows = await session.scalars(
            select(Membership).where(Membership.table_id == reminder.table_id)
        )
        for membership in rows:
            if not membership.is_current(today):
                continue
            role = membership.role
            if (
                (Audience.MEMBERS in audience and role in SEATED_ROLES)
                or (Audience.CHAIRS in audience and role in (Role.CHAIR, Role.VICE_CHAIR))
                or (Audience.COORDINATORS in audience and role is Role.COORDINATOR)
            ):
                people.add(membership.person_id)
    if reminder.pending_key:
        people &= await pending_people(session, reminder.pending_key, reminder.target_id)
    return people


async def preferences(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, Prefs]:
    ids = list(person_ids)
    found: dict[int, Prefs] = {}
    if ids:
        rows = await session.scalars(
            select(ReminderPreference).where(ReminderPreference.person_id.in_(ids))
        )
        found = {row.person_id: row.as_prefs() for row in rows}
    return {person_id: found.get(person_id, Prefs()) for person_id in ids}


async def preference_row(
    session: AsyncSession, person_id: int, *, create: bool = True
) -> ReminderPreference:
    """The person's choices; with create=False a missing row is shown as defaults, not saved."""
    row = await session.get(ReminderPreference, person_id)
    if row is None:
        row = ReminderPreference(
            person_id=person_id,
            kinds_off=[],
            digest=False,
            quiet_start=DEFAULT_QUIET_START,
            quiet_end=DEFAULT_QUIET_END,
        )
        if create:
            session.add(row)
            await session.flush()
    return row


# ---- term endings, derived from memberships --------------------------------------------------

TERM_TARGET = "term"
TERM_ENDS_AT = time(9)


async def sync_term_endings(
    session: AsyncSession, *, now: datetime, default_zone: str = "Europe/Helsinki"
) -> int:
    """Schedule each table's next term ending (from Membership.ends_on) for its coordinators."""
    tables = list(await session.scalars(select(Table)))
    scheduled = 0
    for table in tables:
        zone = ZoneInfo(table.timezone or default_zone)
        today = now.astimezone(zone).date()
        ends = await session.scalars(
            select(Membership.ends_on).where(
                Membership.table_id == table.id,
                Membership.role.in_(SEATED_ROLES),
                Membership.ends_on.is_not(None),
                Membership.ends_on >= today,
            )
        )
        upcoming = min((d for d in ends if d is not None), default=None)
        target = Target(TERM_TARGET, table.id)
        if upcoming is None:
            await cancel(session, target)
            continue
        anchor = datetime.combine(upcoming, TERM_ENDS_AT, tzinfo=zone)
        await schedule(
            session,
            target=target,
            table_id=table.id,
            kind=ReminderKind.TERM_ENDING,
            anchor=anchor,
            title=table.name_fi,
            now=now,
            audience=Audience.COORDINATORS,
        )
        scheduled += 1
    return scheduled


async def reschedule_table_meetings(session: AsyncSession, table_id: int, *, now: datetime) -> int:
    """After a table's offsets change, move its meetings' reminders that are still ahead."""
    rows = list(
        await session.scalars(
            select(Reminder)
            .where(
                Reminder.table_id == table_id,
                Reminder.kind == ReminderKind.MEETING,
                Reminder.anchor_at > now,
            )
            .order_by(Reminder.id)
        )
    )
    meetings: dict[Target, Reminder] = {}
    for row in rows:
        meetings.setdefault(row.target, row)
    for target, row in meetings.items():
        await schedule(
            session,
            target=target,
            table_id=table_id,
            kind=ReminderKind.MEETING,
            anchor=row.anchor_at,
            title=row.title,
            now=now,
            audience=Audience(row.audience),
            person_ids=row.person_ids or (),
            pending_key=row.pending_key,
        )
    return len(meetings)
