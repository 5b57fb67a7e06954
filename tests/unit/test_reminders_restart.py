"""Downtime, restarts and two processes: every due reminder is sent once or marked missed."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import create_i18n
from core.clock import FrozenClock
from scheduler import Ticker
from scheduler.reminders import CLAIM_TTL, TickResult, _claim, _process, register_jobs, tick
from scheduler.reminders import sync_terms as sync_terms_job
from storage.outbox import OutboxMessage
from storage.reminders import Audience, Reminder, ReminderKind, ReminderStatus, Target, schedule
from tests.unit.reminder_world import World, count, make_world, outbox, reminders

HEL = ZoneInfo("Europe/Helsinki")
ROOT = Path(__file__).resolve().parents[2]


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL).astimezone(UTC)


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n("fi")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    from storage.db import create_engine, create_sessionmaker

    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


def messages_per_reminder(rows: list[OutboxMessage]) -> Counter[int]:
    return Counter(
        int(m.batch.split(":")[1].split(".")[0]) for m in rows if m.batch.startswith("rem:")
    )


async def test_fifty_reminders_due_during_a_two_hour_stop_are_sent_once_or_missed(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    stop = local(2026, 1, 14, 12)
    world = await make_world(db, stop - timedelta(days=1))
    async with db() as session, session.begin():
        for number in range(50):
            due = stop + timedelta(minutes=2 * (number + 1))
            # Even: a meeting starting 30 minutes after its reminder, often before we are back.
            # Odd: a vote closing tomorrow, still worth a late reminder.
            if number % 2 == 0:
                kind, anchor, offset = ReminderKind.MEETING, due + timedelta(minutes=30), 30
            else:
                anchor = stop + timedelta(days=1)
                kind, offset = (
                    ReminderKind.AGENDA_CUTOFF,
                    int((anchor - due) / timedelta(minutes=1)),
                )
            await schedule(
                session,
                target=Target("thing", number),
                table_id=world.table_id,
                kind=kind,
                anchor=anchor,
                title=f"Asia {number}",
                now=stop,
                audience=Audience.TABLE,
                offsets=[offset],
            )
    rows = await reminders(db)
    assert len(rows) == 50
    assert all(stop < r.due_at <= stop + timedelta(hours=2) for r in rows)

    back = stop + timedelta(hours=2)
    clock = FrozenClock(back)
    ticker = Ticker()
    register_jobs(ticker, db, clock, i18n, default_zone="Europe/Helsinki")
    result = await tick(db, clock, i18n)

    rows = await reminders(db)
    useful = {r.id for r in rows if r.anchor_at > back}
    assert {r.id for r in rows if r.status is ReminderStatus.SENT} == useful
    assert {r.id for r in rows if r.status is ReminderStatus.MISSED} == {
        r.id for r in rows
    } - useful
    assert 25 <= len(useful) < 50 and result.sent == len(useful)
    assert result.missed == 50 - len(useful)
    per_reminder = messages_per_reminder(await outbox(db))
    assert per_reminder == dict.fromkeys(useful, len(world.everyone_at_table))
    assert all(r.recipients == len(world.everyone_at_table) for r in rows if r.id in useful)

    before = len(await outbox(db))
    for _restart in range(3):
        assert await tick(db, clock, i18n) == TickResult()
    assert len(await outbox(db)) == before


async def test_a_claim_left_by_a_dead_process_is_taken_over_once(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 6, 1, 12)
    world = await make_world(db, now - timedelta(days=10))
    async with db() as session, session.begin():
        await schedule(
            session,
            target=Target("meeting", 1),
            table_id=world.table_id,
            kind=ReminderKind.MEETING,
            anchor=now + timedelta(days=1, hours=1),
            title="Kesäkokous",
            now=now - timedelta(days=10),
        )
    claimed = await _claim(db, now, "dead-process")
    assert len(claimed) == 1
    clock = FrozenClock(now)
    assert await tick(db, clock, i18n) == TickResult()  # still claimed by the other one
    clock.advance(CLAIM_TTL + timedelta(seconds=1))
    assert (await tick(db, clock, i18n)).sent == 1
    # The dead process wakes up and tries to finish its claim: nothing happens.
    await _process(
        db, claimed[0], "dead-process", clock.now(), i18n, "Europe/Helsinki", TickResult()
    )
    assert len(await outbox(db)) == len(world.everyone_at_table)
    [row] = [r for r in await reminders(db) if r.id == claimed[0]]
    assert row.status is ReminderStatus.SENT and row.attempts == 2


async def test_a_hundred_restarts_leave_reminders_and_jobs_unchanged(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 2, 10, 10)
    world = await make_world(db, now - timedelta(days=30))
    async with db() as session, session.begin():
        for number in range(5):
            await schedule(
                session,
                target=Target("meeting", number),
                table_id=world.table_id,
                kind=ReminderKind.MEETING,
                anchor=now + timedelta(days=number + 1, minutes=30),
                title=f"Kokous {number}",
                now=now - timedelta(days=30),
            )
    clock = FrozenClock(now)
    counts: set[tuple[int, int, int]] = set()
    for _restart in range(100):
        ticker = Ticker()
        register_jobs(ticker, db, clock, i18n, default_zone="Europe/Helsinki")
        register_jobs(ticker, db, clock, i18n, default_zone="Europe/Helsinki")
        ticker.start()
        await sync_terms_job(db, clock)
        await tick(db, clock, i18n)
        counts.add((ticker.job_count, await count(db, Reminder), await count(db, OutboxMessage)))
        await ticker.stop()
    [(jobs, reminder_rows, outbox_rows)] = counts
    assert jobs == 2
    assert reminder_rows == 5 * 3 + 2 * 2  # five meetings; two tables' term endings
    assert outbox_rows == 5 * len(world.everyone_at_table)  # each meeting's week-before


async def _run_workers(
    database_url: str, now: datetime, rounds: int, processes: int = 2
) -> list[dict[str, int]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.unit.reminder_worker",
            database_url,
            now.isoformat(),
            str(rounds),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    results = []
    for worker in workers:
        stdout, stderr = await asyncio.wait_for(worker.communicate(), timeout=90)
        assert worker.returncode == 0, stderr.decode()[-3000:]
        results.append(json.loads(stdout.decode().strip().splitlines()[-1]))
    return results


async def test_two_processes_ticking_one_database_never_send_twice(
    db: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    created = local(2026, 9, 1, 12)
    world: World = await make_world(db, created, members=15)
    async with db() as session, session.begin():
        for number in range(60):
            await schedule(
                session,
                target=Target("meeting", number),
                table_id=world.table_id,
                kind=ReminderKind.MEETING,
                anchor=local(2026, 9, 20, 18) + timedelta(minutes=number),
                title=f"Kokous {number}",
                now=created,
            )
    # Both processes start together, long after the week-before and day-before times.
    now = local(2026, 9, 20, 15)
    results = await _run_workers(database_url, now, rounds=3)
    print("work split between the processes:", results)
    sent = sum(r["sent"] for r in results)
    missed = sum(r["missed"] for r in results)
    rows = await reminders(db)
    assert sent == 60 == sum(r.status is ReminderStatus.SENT for r in rows)
    assert missed == 60 == sum(r.status is ReminderStatus.MISSED for r in rows)
    assert {r.offset_minutes for r in rows if r.status is ReminderStatus.SENT} == {24 * 60}
    messages = await outbox(db)
    assert sum(r["messages"] for r in results) == len(messages)
    assert len(messages) == 60 * len(world.everyone_at_table)
    per_person_and_meeting = Counter((m.person_id, m.batch.split(":")[1]) for m in messages)
    assert set(per_person_and_meeting.values()) == {1}
