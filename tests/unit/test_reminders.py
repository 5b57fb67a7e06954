"""Reminder rows and the tick, on real migrated databases, with a frozen clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import create_i18n
from core.clock import FrozenClock
from scheduler.reminders import tick
from storage.db import create_engine, create_sessionmaker
from storage.outbox import Delivery, OutboxMessage
from storage.people import Membership
from storage.reminder_rules import MINUTES_PER_DAY
from storage.reminders import (
    Audience,
    DigestItem,
    Reminder,
    ReminderKind,
    ReminderPreference,
    ReminderStatus,
    Target,
    cancel,
    register_pending_resolver,
    reminders_of,
    schedule,
    set_meeting_offsets,
    sync_term_endings,
    unregister_pending_resolver,
)
from storage.roles import Role
from tests.unit.reminder_world import World, make_world, outbox, reminders

HEL = ZoneInfo("Europe/Helsinki")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL).astimezone(UTC)


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n("fi")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def resolvers() -> Iterator[dict[str, set[int]]]:
    """Fake "who has not answered" resolvers; tests fill in the answers."""
    pending: dict[str, set[int]] = {}

    def make(name: str):  # type: ignore[no-untyped-def]
        async def resolver(session: AsyncSession, target_id: int) -> set[int]:
            return pending.get(f"{name}:{target_id}", set())

        return resolver

    for name in ("meeting_poll", "vote"):
        register_pending_resolver(name, make(name))
    yield pending
    for name in ("meeting_poll", "vote"):
        unregister_pending_resolver(name)


async def meeting(
    db: async_sessionmaker[AsyncSession],
    world: World,
    meeting_id: int,
    starts: datetime,
    now: datetime,
    title: str = "Kevätkokous",
) -> list[Reminder]:
    async with db() as session, session.begin():
        return await schedule(
            session,
            target=Target("meeting", meeting_id),
            table_id=world.table_id,
            kind=ReminderKind.MEETING,
            anchor=starts,
            title=title,
            now=now,
            audience=Audience.TABLE,
        )


def recipients(rows: list[OutboxMessage]) -> Counter[int | None]:
    return Counter(row.person_id for row in rows)


# ---- scheduling ------------------------------------------------------------------------------


async def test_meeting_gets_three_reminders_at_local_meeting_time(
    db: async_sessionmaker[AsyncSession],
) -> None:
    now = local(2026, 1, 2, 12)
    world = await make_world(db, now)
    rows = await meeting(db, world, 1, local(2026, 1, 14, 18), now)
    assert [r.due_at.astimezone(HEL).replace(tzinfo=None) for r in rows] == [
        datetime(2026, 1, 7, 18),
        datetime(2026, 1, 13, 18),
        datetime(2026, 1, 14, 16),
    ]
    again = await meeting(db, world, 1, local(2026, 1, 14, 18), now, title="Kevätkokous 2")
    assert [r.id for r in again] == [r.id for r in rows]
    assert len(await reminders(db)) == 3
    assert {r.title for r in await reminders(db)} == {"Kevätkokous 2"}


async def test_a_naive_anchor_is_refused(db: async_sessionmaker[AsyncSession]) -> None:
    now = local(2026, 1, 2, 12)
    world = await make_world(db, now)
    async with db() as session:
        with pytest.raises(ValueError, match="aware"):
            await schedule(
                session,
                target=Target("meeting", 1),
                table_id=world.table_id,
                kind=ReminderKind.MEETING,
                anchor=datetime(2026, 1, 14, 18),
                title="Kokous",
                now=now,
            )


async def test_reminders_already_past_when_scheduled_are_not_made(
    db: async_sessionmaker[AsyncSession],
) -> None:
    now = local(2026, 1, 12, 12)
    world = await make_world(db, now)
    rows = await meeting(db, world, 1, local(2026, 1, 14, 18), now)
    assert [r.offset_minutes for r in rows] == [MINUTES_PER_DAY, 120]


async def test_table_offsets_are_configurable(db: async_sessionmaker[AsyncSession]) -> None:
    now = local(2026, 1, 1, 12)
    world = await make_world(db, now)
    async with db() as session, session.begin():
        await set_meeting_offsets(session, world.table_id, [2 * MINUTES_PER_DAY, 60])
    rows = await meeting(db, world, 1, local(2026, 1, 14, 18), now)
    assert [r.due_at for r in rows] == [local(2026, 1, 12, 18), local(2026, 1, 14, 17)]


async def test_every_kind_reaches_its_audience_at_the_right_local_time(
    db: async_sessionmaker[AsyncSession], i18n: I18n, resolvers: dict[str, set[int]]
) -> None:
    now = local(2026, 2, 1, 12)  # winter time; the things happen in summer time
    world = await make_world(db, now)
    drafter, checker = world.members[0], world.members[2]
    resolvers["meeting_poll:2"] = {world.members[1]}
    resolvers["vote:3"] = {world.chair, world.members[0]}
    expected = {
        ReminderKind.MEETING: (Audience.TABLE, (), world.everyone_at_table),
        ReminderKind.MEETING_POLL: (Audience.TABLE, (), {world.members[1]}),
        ReminderKind.VOTE: (Audience.MEMBERS, (), {world.chair, world.members[0]}),
        ReminderKind.AGENDA_CUTOFF: (Audience.TABLE, (), world.everyone_at_table),
        ReminderKind.STATEMENT_CITY: (
            Audience.NAMED | Audience.CHAIRS | Audience.COORDINATORS,
            (drafter,),
            {drafter, world.chair, world.coordinator},
        ),
        ReminderKind.STATEMENT_INTERNAL: (
            Audience.NAMED | Audience.CHAIRS | Audience.COORDINATORS,
            (drafter,),
            {drafter, world.chair, world.coordinator},
        ),
        ReminderKind.MINUTES_APPROVAL: (Audience.NAMED, (checker,), {checker}),
        ReminderKind.TERM_ENDING: (Audience.COORDINATORS, (), {world.coordinator}),
    }
    async with db() as session, session.begin():
        for number, (kind, (audience, named, _who)) in enumerate(expected.items(), start=1):
            # Each kind at its own hour, so that no two reminders fall due together.
            await schedule(
                session,
                target=Target(kind.value, number),
                table_id=world.table_id,
                kind=kind,
                anchor=local(2026, 4, 20, 10 + number),
                title=f"Asia {kind.value}",
                now=now,
                audience=audience,
                person_ids=named,
            )
    clock = FrozenClock(now)
    rows = sorted(await reminders(db), key=lambda r: r.due_at)
    assert len(rows) == 12
    assert rows[0].kind is ReminderKind.TERM_ENDING  # 60 days before: still winter time
    assert rows[0].due_at == datetime(2026, 2, 19, 16, tzinfo=UTC)
    for row in rows:
        local_anchor = row.anchor_at.astimezone(HEL)
        expected_hour = local_anchor.hour - (2 if row.offset_minutes == 120 else 0)
        assert row.due_at.astimezone(HEL).hour == expected_hour
        before = len(await outbox(db))
        clock.set(row.due_at - timedelta(seconds=1))
        await tick(db, clock, i18n)
        assert len(await outbox(db)) == before, "nothing before its time"
        clock.set(row.due_at)
        result = await tick(db, clock, i18n)
        assert result.sent == 1
        new = (await outbox(db))[before:]
        assert set(recipients(new)) == expected[row.kind][2], row.kind
        assert all(m.not_before == row.due_at for m in new)
        title = (
            "Pohjoinen kumppanuuspöytä"
            if row.kind is ReminderKind.TERM_ENDING
            else f"Asia {row.kind.value}"
        )
        assert all(title in m.payload["text"] for m in new)
    assert recipients(await outbox(db))[world.other_table_member] == 0


async def test_message_text_is_in_the_persons_language_and_title_escaped(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 1, 2, 12)
    world = await make_world(db, now)
    await meeting(db, world, 1, local(2026, 1, 14, 18), now, title="<b>Kevät</b> & talous")
    await tick(db, FrozenClock(local(2026, 1, 7, 18)), i18n)
    texts = {m.person_id: m.payload["text"] for m in await outbox(db)}
    assert "&lt;b&gt;Kevät&lt;/b&gt; &amp; talous" in texts[world.chair]
    assert "<b>Kevät</b>" not in texts[world.chair]
    assert "Kokous alkaa ke 14.1.2026 klo 18.00." in texts[world.chair]
    assert "Mötet börjar" in texts[world.members[1]]  # this member reads Swedish


async def test_moved_meeting_moves_its_reminders_and_rearms_sent_ones(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 1, 2, 12)
    world = await make_world(db, now)
    await meeting(db, world, 1, local(2026, 1, 14, 18), now)
    clock = FrozenClock(local(2026, 1, 7, 18))
    await tick(db, clock, i18n)
    first = len(await outbox(db))
    assert first == len(world.everyone_at_table)
    async with db() as session, session.begin():  # the sender delivered them
        await session.execute(update(OutboxMessage).values(status=Delivery.SENT))
    rows = await meeting(db, world, 1, local(2026, 1, 21, 17), clock.now())
    assert [r.due_at for r in rows] == [
        local(2026, 1, 14, 17),
        local(2026, 1, 20, 17),
        local(2026, 1, 21, 15),
    ]
    clock.set(local(2026, 1, 13, 18))  # the old day-before time: nothing now
    await tick(db, clock, i18n)
    assert len(await outbox(db)) == first
    clock.set(local(2026, 1, 14, 17))
    await tick(db, clock, i18n)
    assert len(await outbox(db)) == 2 * first
    assert "ke 21.1.2026 klo 17.00" in (await outbox(db))[-1].payload["text"]


async def test_cancelled_meeting_removes_its_reminders(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 1, 2, 12)
    world = await make_world(db, now)
    await meeting(db, world, 1, local(2026, 1, 14, 18), now)
    await meeting(db, world, 2, local(2026, 1, 15, 18), now)
    async with db() as session, session.begin():
        assert await cancel(session, Target("meeting", 1)) == 3
    async with db() as session:
        assert await reminders_of(session, Target("meeting", 1)) == []
        assert len(await reminders_of(session, Target("meeting", 2))) == 3
    await tick(db, FrozenClock(local(2026, 1, 14, 17)), i18n)
    [week_before] = [r for r in await reminders(db) if r.offset_minutes == 7 * MINUTES_PER_DAY]
    assert week_before.target_id == 2
    assert {m.batch.split(":")[1] for m in await outbox(db)} == {f"{week_before.id}.0"}


# ---- non-responders, preferences, quiet hours, digest ----------------------------------------


async def test_vote_deadline_reminder_goes_only_to_those_who_have_not_voted(
    db: async_sessionmaker[AsyncSession], i18n: I18n, resolvers: dict[str, set[int]]
) -> None:
    now = local(2026, 5, 1, 12)
    world = await make_world(db, now)
    resolvers["vote:7"] = {world.members[0], world.members[2], world.other_table_member}
    async with db() as session, session.begin():
        await schedule(
            session,
            target=Target("vote", 7),
            table_id=world.table_id,
            kind=ReminderKind.VOTE,
            anchor=local(2026, 5, 10, 15),
            title="Budjetti",
            now=now,
            audience=Audience.MEMBERS,
        )
    resolvers["vote:7"].discard(world.members[2])  # voted before the reminder
    await tick(db, FrozenClock(local(2026, 5, 9, 15)), i18n)
    rows = await outbox(db)
    assert set(recipients(rows)) == {world.members[0]}
    assert "Et ole vielä äänestänyt." in rows[0].payload["text"]


async def test_missing_resolver_is_retried_then_fails_without_sending(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 5, 1, 12)
    world = await make_world(db, now)
    async with db() as session, session.begin():
        await schedule(
            session,
            target=Target("vote", 7),
            table_id=world.table_id,
            kind=ReminderKind.VOTE,
            anchor=local(2026, 5, 30, 15),
            title="Budjetti",
            now=now,
            audience=Audience.MEMBERS,
        )
    clock = FrozenClock(local(2026, 5, 29, 15))
    for _attempt in range(5):
        await tick(db, clock, i18n)
        clock.advance(timedelta(hours=1))
    [row] = await reminders(db)
    assert row.status is ReminderStatus.FAILED
    assert "UnknownResolver" in (row.error or "")
    assert await outbox(db) == []


async def test_quiet_hours_defer_and_turned_off_kinds_are_skipped(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 7, 1, 12)
    world = await make_world(db, now)
    night_owl, no_meetings = world.members[0], world.members[2]
    async with db() as session, session.begin():
        session.add(
            ReminderPreference(
                person_id=night_owl, kinds_off=[], digest=False, quiet_start=None, quiet_end=None
            )
        )
        session.add(
            ReminderPreference(
                person_id=no_meetings,
                kinds_off=["meeting"],
                digest=False,
                quiet_start=21,
                quiet_end=8,
            )
        )
    await meeting(db, world, 1, local(2026, 7, 14, 22, 30), now)
    await tick(db, FrozenClock(local(2026, 7, 7, 22, 30)), i18n)
    rows = {m.person_id: m for m in await outbox(db)}
    assert no_meetings not in rows
    assert rows[night_owl].not_before == local(2026, 7, 7, 22, 30)
    assert rows[world.chair].not_before == local(2026, 7, 8, 8, 0)
    assert rows[world.chair].not_before == datetime(2026, 7, 8, 5, tzinfo=UTC)


async def test_cancel_or_move_drops_messages_still_waiting_for_quiet_hours_to_end(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 7, 1, 12)
    world = await make_world(db, now)
    await meeting(db, world, 1, local(2026, 7, 14, 22, 30), now)
    await meeting(db, world, 2, local(2026, 7, 15, 22, 30), now)
    clock = FrozenClock(local(2026, 7, 7, 22, 30))
    await tick(db, clock, i18n)  # meeting 1's week-before waits for the morning
    waiting = len(world.everyone_at_table)
    assert len(await outbox(db)) == waiting
    async with db() as session, session.begin():
        await cancel(session, Target("meeting", 1))
    assert await outbox(db) == []
    clock.set(local(2026, 7, 8, 22, 30))
    await tick(db, clock, i18n)  # meeting 2's week-before waits too
    assert len(await outbox(db)) == waiting
    await meeting(db, world, 2, local(2026, 7, 22, 18), clock.now())
    assert await outbox(db) == []
    clock.set(local(2026, 7, 15, 18))
    await tick(db, clock, i18n)
    rows = await outbox(db)
    assert len(rows) == waiting and {m.not_before for m in rows} == {clock.now()}
    assert all(m.batch.endswith(f":{m.person_id}") and ".1:" in m.batch for m in rows)


async def test_same_day_meeting_reminder_passes_quiet_hours(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 1, 1, 12)
    world = await make_world(db, now)
    await meeting(db, world, 1, local(2026, 1, 14, 8, 30), now)
    clock = FrozenClock(local(2026, 1, 14, 6, 30))
    await tick(db, clock, i18n)
    two_hours = [m for m in await outbox(db) if m.created_at == clock.now()]
    assert len(two_hours) == len(world.everyone_at_table)
    assert {m.not_before for m in two_hours} == {clock.now()}


async def test_digest_gathers_reminders_into_one_morning_message(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 10, 1, 12)
    world = await make_world(db, now)
    reader = world.members[0]
    async with db() as session, session.begin():
        session.add(
            ReminderPreference(
                person_id=reader, kinds_off=[], digest=True, quiet_start=21, quiet_end=8
            )
        )
        for number, (kind, hour) in enumerate(
            [(ReminderKind.STATEMENT_CITY, 10), (ReminderKind.AGENDA_CUTOFF, 14)], start=1
        ):
            await schedule(
                session,
                target=Target(kind.value, number),
                table_id=world.table_id,
                kind=kind,
                anchor=local(2026, 10, 27, hour),
                title=f"Asia {number} <&>",
                now=now,
                audience=Audience.MEMBERS,
            )
    clock = FrozenClock(local(2026, 10, 20, 10))  # statement: 7 days before
    await tick(db, clock, i18n)
    assert reader not in recipients(await outbox(db))
    clock.set(local(2026, 10, 21, 8))
    await tick(db, clock, i18n)
    [first] = [m for m in await outbox(db) if m.person_id == reader]
    assert first.created_at == datetime(2026, 10, 21, 5, tzinfo=UTC)  # 08.00 summer time
    clock.set(local(2026, 10, 26, 14))  # agenda and the statement's 2-day reminder
    await tick(db, clock, i18n)
    async with db() as session:
        items = list(await session.scalars(select(DigestItem).where(DigestItem.sent.is_(False))))
    assert [i.digest_at for i in items] == [local(2026, 10, 27, 8)] * 2
    clock.set(local(2026, 10, 27, 8))
    await tick(db, clock, i18n)
    await tick(db, clock, i18n)
    digests = [m for m in await outbox(db) if m.person_id == reader]
    assert len(digests) == 2
    text = digests[1].payload["text"]
    assert "Päivän muistutukset" in text
    assert "Asia 1 &lt;&amp;&gt;" in text
    assert "Asia 2 &lt;&amp;&gt;" in text
    assert text.index("Asia 1") < text.index("Asia 2")  # the sooner deadline first
    assert digests[1].created_at == datetime(2026, 10, 27, 6, tzinfo=UTC)  # 08.00 winter time


async def test_digest_items_whose_thing_already_began_are_dropped(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 1, 1, 12)
    world = await make_world(db, now)
    reader = world.members[0]
    async with db() as session, session.begin():
        session.add(
            ReminderPreference(
                person_id=reader, kinds_off=[], digest=True, quiet_start=21, quiet_end=8
            )
        )
    await meeting(db, world, 1, local(2026, 1, 14, 10), now)
    await tick(db, FrozenClock(local(2026, 1, 7, 10)), i18n)
    await tick(db, FrozenClock(local(2026, 1, 14, 11)), i18n)  # back after a long stop
    assert reader not in recipients(await outbox(db))
    async with db() as session:
        [item] = list(await session.scalars(select(DigestItem)))
    assert item.sent


# ---- term endings ----------------------------------------------------------------------------


async def test_term_ending_is_derived_from_memberships_for_coordinators(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2027, 1, 10, 12)
    world = await make_world(db, now)
    async with db() as session, session.begin():
        assert await sync_term_endings(session, now=now) == 2
        assert await sync_term_endings(session, now=now) == 2
        rows = await reminders_of(session, Target("term", world.table_id))
    assert [r.due_at for r in rows] == [local(2027, 4, 1, 9), local(2027, 5, 17, 9)]
    await tick(db, FrozenClock(local(2027, 4, 1, 9)), i18n)
    [message] = await outbox(db)
    assert message.person_id == world.coordinator
    assert "Toimikausi päättyy pian." in message.payload["text"]
    assert "Pohjoinen kumppanuuspöytä" in message.payload["text"]
    assert "Toimikausi päättyy ma 31.5.2027 klo 09.00." in message.payload["text"]


async def test_extended_term_moves_the_term_reminders(
    db: async_sessionmaker[AsyncSession],
) -> None:
    now = local(2027, 1, 10, 12)
    world = await make_world(db, now)
    async with db() as session, session.begin():
        await sync_term_endings(session, now=now)
        await session.execute(
            update(Membership)
            .where(Membership.role != Role.COORDINATOR)
            .values(ends_on=date(2029, 5, 31))
        )
        await sync_term_endings(session, now=now)
        rows = await reminders_of(session, Target("term", world.table_id))
    assert [r.anchor_at for r in rows] == [local(2029, 5, 31, 9)] * 2


async def test_one_tick_hands_on_everything_due_however_much_fell_due_together(
    db: async_sessionmaker[AsyncSession], i18n: I18n, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One row per claim: 25 meetings' day-before reminders need 25 claims in one tick (the old
    # tick stopped after 20 claims, leaving the rest for a tick 30 s later).
    monkeypatch.setattr("scheduler.reminders.CLAIM_BATCH", 1)
    now = local(2026, 5, 4, 12)
    world = await make_world(db, now)
    for number in range(25):
        await meeting(db, world, number, local(2026, 5, 6, 12) + timedelta(minutes=number), now)
    day_before = local(2026, 5, 5, 12, 30)
    result = await tick(db, FrozenClock(day_before), i18n)
    assert result.sent == 25
    assert result.messages == 25 * len(world.everyone_at_table)
    due = [r for r in await reminders(db) if r.due_at <= day_before]
    assert len(due) == 25 and all(r.status is ReminderStatus.SENT for r in due)
    assert (await tick(db, FrozenClock(day_before), i18n)).sent == 0


async def test_an_idle_tick_changes_nothing(
    db: async_sessionmaker[AsyncSession], i18n: I18n
) -> None:
    now = local(2026, 5, 4, 12)
    world = await make_world(db, now)
    await meeting(db, world, 1, local(2026, 5, 20, 12), now)
    before = [(r.id, r.status, r.attempts, r.claim_token) for r in await reminders(db)]
    result = await tick(db, FrozenClock(now), i18n)
    assert (result.sent, result.missed, result.retried, result.messages) == (0, 0, 0, 0)
    assert [(r.id, r.status, r.attempts, r.claim_token) for r in await reminders(db)] == before
    assert await outbox(db) == []
