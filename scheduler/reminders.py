"""The reminder tick: claims due reminder rows in the database and turns them into outbox rows.

Each run claims due rows atomically (SKIP LOCKED on PostgreSQL, the write lock on SQLite), then
handles every row in its own transaction: the outbox rows and the row's new status are written
together, with an outbox batch key unique per reminder and person. So a restart, an overlapping
tick or a second process can never queue the same reminder to the same person twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from aiogram.utils.i18n import I18n
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from notify.reminders import tell_digest, tell_reminder
from scheduler import Ticker
from storage.claims import claim, is_postgres
from storage.db import reading
from storage.people import Person, Table
from storage.reminder_rules import (
    DigestLine,
    Route,
    group_digests,
    plan_delivery,
    still_useful,
    superseded,
)
from storage.reminders import (
    DigestItem,
    Reminder,
    ReminderStatus,
    audience_people,
    preferences,
    sync_term_endings,
    table_zone,
)

log = logging.getLogger(__name__)

CLAIM_BATCH = 50
# Every second: a reminder goes out within about a second of its time. An idle tick is one
# read without the write lock (`_anything_due`).
TICK_SECONDS = 1.0
# A claim that outlives this was abandoned by a process that died; another may take it over.
CLAIM_TTL = timedelta(minutes=2)
MAX_ATTEMPTS = 5


@dataclass
class TickResult:
    sent: int = 0  # reminder rows handed on
    missed: int = 0  # rows no longer useful
    retried: int = 0  # rows that failed and will be tried again (or gave up)
    messages: int = 0  # outbox rows written, single reminders and digests
    digest_items: int = 0  # person-reminders put into a digest


async def tick(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    i18n: I18n,
    *,
    default_zone: str = "Europe/Helsinki",
) -> TickResult:
    """Hand everything due now to the outbox; safe to run in many processes at once.

    Claims batch after batch until nothing due is left, however many fell due together.
    """
    result = TickResult()
    if not await _anything_due(sessionmaker, clock.now()):
        return result
    token = str(uuid.uuid4())
    seen: set[int] = set()
    while True:
        claimed = [i for i in await _claim(sessionmaker, clock.now(), token) if i not in seen]
        if not claimed:
            break
        seen.update(claimed)
        for reminder_id in claimed:
            await _process(
                sessionmaker, reminder_id, token, clock.now(), i18n, default_zone, result
            )
    await _send_digests(sessionmaker, clock.now(), i18n, default_zone, result)
    return result


def _due_reminders(now: datetime) -> ColumnElement[bool]:
    """Due rows, and rows whose claim ran out (a process died holding them)."""
    return or_(
        and_(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now),
        and_(Reminder.status == ReminderStatus.SENDING, Reminder.claimed_until < now),
    )


def _due_digest_items(now: datetime) -> ColumnElement[bool]:
    return and_(DigestItem.sent.is_(False), DigestItem.digest_at <= now)


async def _anything_due(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> bool:
    async with reading(sessionmaker) as session:
        reminder = await session.scalar(select(Reminder.id).where(_due_reminders(now)).limit(1))
        if reminder is not None:
            return True
        item = await session.scalar(select(DigestItem.id).where(_due_digest_items(now)).limit(1))
        return item is not None


async def _claim(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, token: str
) -> list[int]:
    async with sessionmaker() as session, session.begin():
        return await claim(
            session,
            Reminder,
            due=_due_reminders(now),
            order_by=[Reminder.due_at, Reminder.id],
            limit=CLAIM_BATCH,
            values={
                "status": ReminderStatus.SENDING,
                "claim_token": token,
                "claimed_until": now + CLAIM_TTL,
                "attempts": Reminder.attempts + 1,
            },
        )


async def _process(
    sessionmaker: async_sessionmaker[AsyncSession],
    reminder_id: int,
    token: str,
    now: datetime,
    i18n: I18n,
    default_zone: str,
    result: TickResult,
) -> None:
    async with sessionmaker() as session, session.begin():
        mine = select(Reminder).where(
            Reminder.id == reminder_id,
            Reminder.status == ReminderStatus.SENDING,
            Reminder.claim_token == token,
        )
        if is_postgres(session):
            mine = mine.with_for_update()
        reminder = await session.scalar(mine)
        if reminder is None:  # cancelled, moved or taken over since it was claimed
            return
        reminder.claim_token = None
        reminder.claimed_until = None
        siblings = await session.scalars(
            select(Reminder.due_at).where(
                Reminder.target_type == reminder.target_type,
                Reminder.target_id == reminder.target_id,
                Reminder.kind == reminder.kind,
                Reminder.id != reminder.id,
            )
        )
        if not still_useful(reminder.anchor_at, now) or superseded(
            reminder.due_at, list(siblings), now
        ):
            reminder.status = ReminderStatus.MISSED
            result.missed += 1
            log.info(
                "reminder %s (%s) missed: due %s, now %s",
                reminder.id,
                reminder.kind,
                reminder.due_at,
                now,
            )
            return
        try:
            async with session.begin_nested():
                count = await _deliver(session, reminder, now, i18n, default_zone, result)
        except Exception as error:
            log.exception("reminder %s could not be delivered", reminder.id)
            reminder.error = repr(error)[:500]
            result.retried += 1
            if reminder.attempts >= MAX_ATTEMPTS:
                reminder.status = ReminderStatus.FAILED
            else:
                reminder.status = ReminderStatus.PENDING
                reminder.due_at = now + timedelta(minutes=2**reminder.attempts)
            return
        reminder.status = ReminderStatus.SENT
        reminder.sent_at = now
        reminder.recipients = count
        reminder.error = None
        result.sent += 1


async def _deliver(
    session: AsyncSession,
    reminder: Reminder,
    now: datetime,
    i18n: I18n,
    default_zone: str,
    result: TickResult,
) -> int:
    zone = await table_zone(session, reminder.table_id, default_zone)
    table = await session.get(Table, reminder.table_id) if reminder.table_id else None
    ids = await audience_people(session, reminder, now.astimezone(zone).date())
    people = (
        list(
            await session.scalars(
                select(Person)
                .where(
                    Person.id.in_(ids),
                    Person.telegram_id.is_not(None),
                    Person.private_chat_open.is_(True),
                )
                .order_by(Person.id)
            )
        )
        if ids
        else []
    )
    prefs = await preferences(session, [p.id for p in people])
    count = 0
    for person in people:
        plan = plan_delivery(
            kind=reminder.kind,
            anchor=reminder.anchor_at,
            now=now,
            zone=zone,
            prefs=prefs[person.id],
        )
        if plan.route is Route.SKIP or plan.at is None:
            continue
        if plan.route is Route.DIGEST:
            session.add(
                DigestItem(
                    reminder_id=reminder.id,
                    generation=reminder.generation,
                    person_id=person.id,
                    digest_at=plan.at,
                    sent=False,
                )
            )
            result.digest_items += 1
            count += 1
            continue
        result.messages += await tell_reminder(
            session, i18n, reminder, person, table=table, zone=zone, at=plan.at, now=now
        )
        count += 1
    await session.flush()
    return count


async def _send_digests(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    i18n: I18n,
    default_zone: str,
    result: TickResult,
) -> None:
    async with sessionmaker() as session, session.begin():
        ids = await claim(
            session,
            DigestItem,
            due=_due_digest_items(now),
            order_by=[DigestItem.id],
            limit=1000,
            values={"sent": True},
        )
        if not ids:
            return
        items = list(
            await session.scalars(
                select(DigestItem).where(DigestItem.id.in_(ids)).order_by(DigestItem.id)
            )
        )
        reminders = {
            r.id: r
            for r in await session.scalars(
                select(Reminder).where(Reminder.id.in_({i.reminder_id for i in items}))
            )
        }
        people = {
            p.id: p
            for p in await session.scalars(
                select(Person).where(Person.id.in_({i.person_id for i in items}))
            )
        }
        triples = []
        first_item: dict[tuple[int, datetime], int] = {}
        for item in items:
            reminder = reminders.get(item.reminder_id)
            if reminder is None or not still_useful(reminder.anchor_at, now):
                continue
            key = (item.person_id, item.digest_at)
            first_item[key] = min(first_item.get(key, item.id), item.id)
            zone = await table_zone(session, reminder.table_id, default_zone)
            triples.append(
                (
                    item.person_id,
                    item.digest_at,
                    DigestLine(reminder.kind, reminder.anchor_at, reminder.title, str(zone)),
                )
            )
        for digest in group_digests(triples):
            person = people.get(digest.person_id)
            if person is None or person.telegram_id is None:
                continue
            result.messages += await tell_digest(
                session,
                i18n,
                person,
                digest,
                batch=f"dig:{person.id}:{first_item[(person.id, digest.at)]}",
                now=now,
            )


async def sync_terms(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    default_zone: str = "Europe/Helsinki",
) -> int:
    """Keep term-ending reminders in step with memberships; a job of its own, hourly."""
    async with sessionmaker() as session, session.begin():
        return await sync_term_endings(session, now=clock.now(), default_zone=default_zone)


def register_jobs(
    ticker: Ticker,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    i18n: I18n,
    *,
    default_zone: str,
    interval: float = TICK_SECONDS,
) -> None:
    """Add (or replace) the reminder jobs; calling it again never adds a second copy."""
    job: Callable[[], Awaitable[object]] = partial(
        tick, sessionmaker, clock, i18n, default_zone=default_zone
    )
    ticker.every(interval, job, "reminders")
    ticker.every(
        3600, partial(sync_terms, sessionmaker, clock, default_zone=default_zone), "reminder-terms"
    )
