"""The outbox under Telegram's limits: a thousand members, each reached exactly once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from emulator import EmulatorServer
from emulator.client import text_of, wait_until
from storage.outbox import FINAL, Delivery, OutboxMessage
from storage.people import Membership, Person, Table
from storage.roles import Role
from tests.e2e.conftest import Harness, shown

MEMBERS = 1000
# Only a guard against hanging: 1,000 messages take 34 s at Telegram's pace, more on a busy
# machine, and how long they take is measured by `make bench`, not asserted.
DONE_WITHIN = 300


async def populate(
    harness: Harness, server: EmulatorServer, count: int, slug: str = "pohjoinen"
) -> list[int]:
    """Members straight into the database, each with an emulator account that opened the chat."""
    world = server.state
    bot = world.default_bot()
    ids = []
    for number in range(count):
        account = world.add_user(f"Jäsen {number}")
        world.private_chat(bot, account)
        ids.append(account.id)
    now = harness.clock.now()
    today = now.astimezone(harness.app.settings.zone).date()
    async with harness.db() as session:
        table = await session.scalar(select(Table).where(Table.slug == slug))
        assert table is not None
        people = [
            Person(
                telegram_id=uid, first_name=f"Jäsen {n}", private_chat_open=True, created_at=now
            )
            for n, uid in enumerate(ids)
        ]
        session.add_all(people)
        await session.flush()
        session.add_all(
            [
                Membership(
                    person_id=p.id,
                    table_id=table.id,
                    role=Role.MEMBER,
                    starts_on=today,
                    ends_on=harness.app.settings.term_ends_on,
                )
                for p in people
            ]
        )
    return ids


def received(server: EmulatorServer, user_ids: list[int], needle: str) -> Counter[int]:
    """How many bot messages containing `needle` each user's private chat holds."""
    world = server.state
    bot = world.default_bot()
    counts: Counter[int] = Counter()
    for uid in user_ids:
        chat = world.private[(bot.id, uid)]
        counts[uid] = sum(
            1
            for m in chat.messages.values()
            if m.sender_id == bot.id and needle in text_of(m.data)
        )
    return counts


async def announce(harness: Harness, text: str) -> Any:
    """Write and send an announcement to all members; returns its author."""
    coordinator = await harness.person("Kaisa", Role.COORDINATOR)
    await coordinator.send("/tiedote")
    await coordinator.expect_message("Kirjoita tiedote")
    await coordinator.send(text)
    await coordinator.expect_message("Ketkä pöydistä")
    await coordinator.press("Kaikki jäsenet")
    await coordinator.expect_message(text)
    await coordinator.expect_message("Lähetetäänkö?", timeout=10)
    # Limits from here on: the author's own quick steps above are not what is measured.
    await harness.emu.set_rate_limits(True)
    await coordinator.press("📤 Lähetä nyt")
    await harness.idle()  # its rows are queued: "nothing left to send" means sent
    return coordinator


async def all_final(harness: Harness) -> bool:
    await asyncio.sleep(0.2)  # look seldom: the test should not slow the sending down
    async with harness.db() as session:
        rows = await session.scalar(select(func.count()).select_from(OutboxMessage))
        open_rows = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.not_in(list(FINAL)))
        )
    # Nothing queued yet is not done: the press that queues may still be answering.
    return bool(rows) and open_rows == 0


@pytest.mark.slow
@pytest.mark.telegram_pace
async def test_thousand_members_each_get_it_once_within_the_limits(
    harness: Harness, emulator_server: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    # How fast it goes is a figure of `make bench` (tests/bench), not an assertion here.
    ids = await populate(harness, emulator_server, MEMBERS)
    caplog.set_level(logging.INFO)

    author = await announce(harness, "Tuhannen jäsenen tiedote")
    started = time.monotonic()
    progress = await shown(author, "Lähetetään: ", within=30)
    assert 0 < int(text_of(progress).split(": ")[1].split("/")[0]) < MEMBERS
    await wait_until(lambda: all_final(harness), timeout=DONE_WITHIN)
    elapsed = time.monotonic() - started

    # The emulator answers 429 to the 31st send in any second, as Telegram does: none came.
    stats = await harness.emu.stats()
    print(
        f"{MEMBERS} sent in {elapsed:.1f} s: {MEMBERS / elapsed:.2f}/s, "
        f"{MEMBERS / 30 / elapsed:.3f} of Telegram's 30/s, "
        f"{stats['too_many_requests']} × 429"
    )
    assert stats["too_many_requests"] == 0

    counts = received(emulator_server, ids, "Tuhannen jäsenen tiedote")
    assert [uid for uid in ids if counts[uid] != 1] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    async with harness.db() as session:
        sent = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == Delivery.SENT)
        )
    assert sent == MEMBERS
    # The same message of the author, edited along the way, ends as the delivery report.
    report = await shown(author, "Tiedote on lähetetty.", within=10)
    assert report["message_id"] == progress["message_id"]
    assert f"Perillä: {MEMBERS}" in text_of(report)


@pytest.mark.slow
@pytest.mark.telegram_pace
async def test_with_many_429_answers_everyone_still_gets_it_once(
    harness: Harness, emulator_server: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Each 429 pauses the whole bot for retry_after (1 s), so this run is kept small.
    ids = await populate(harness, emulator_server, 60)
    caplog.set_level(logging.INFO)
    await harness.emu.inject_faults(too_many_rate=0.3, methods=["sendMessage"], seed=6)
    await announce(harness, "Sadesään tiedote")
    await wait_until(lambda: all_final(harness), timeout=DONE_WITHIN)

    counts = received(emulator_server, ids, "Sadesään tiedote")
    async with harness.db() as session:
        statuses = Counter((await session.scalars(select(OutboxMessage.status))).all())
    assert [uid for uid in ids if counts[uid] != 1] == [], (Counter(counts.values()), statuses)
    stats = await harness.emu.stats()
    assert stats["too_many_requests"] > 0
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
