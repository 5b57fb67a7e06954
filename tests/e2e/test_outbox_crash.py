"""A sender process killed with SIGKILL halfway: after a restart nobody is skipped or doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.settings import Settings
from emulator import EmulatorClient, EmulatorServer
from storage.db import create_engine, create_sessionmaker
from storage.outbox import FINAL, Delivery, OutboxMessage, enqueue
from tests.e2e.conftest import BOT_TOKEN

RECIPIENTS = 200
# Guards against hanging, not measures: a new process spends most of this importing aiogram,
# a few seconds here and forty on a busy two-core machine.
WITHIN = 180
ROOT = Path(__file__).resolve().parents[2]


async def start_sender(base_url: str, database_url: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "POYTABOT_BOT_TOKEN": BOT_TOKEN,
        "POYTABOT_API_BASE_URL": base_url,
        "POYTABOT_DATABASE_URL": database_url,
        "POYTABOT_OUTBOX_CLAIM_TTL": "2",
        "POYTABOT_LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "sender",
        "--interval",
        "0.2",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def until(
    condition: Callable[[], Awaitable[bool]], within: float, sender: asyncio.subprocess.Process
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await condition():
        if sender.returncode is not None or loop.time() > deadline:
            if sender.returncode is None:
                sender.kill()
            _, errors = await sender.communicate()
            raise AssertionError(
                f"condition not met in time; sender exit {sender.returncode}: {errors.decode()}"
            )
        await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_sigkill_halfway_then_restart_reaches_everyone_once(
    emulator_server: EmulatorServer, emu: EmulatorClient, database_url: str
) -> None:
    world = emulator_server.state
    bot = world.default_bot()
    ids = []
    for number in range(RECIPIENTS):
        account = world.add_user(f"Jäsen {number}")
        world.private_chat(bot, account)
        ids.append(account.id)
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        await enqueue(
            session,
            batch="crash",
            chat_ids=ids,
            now=datetime.now(UTC),
            text="Tiedote ennen kaatumista",
        )

    def delivered() -> int:
        return sum(world.sent_per_chat[uid] for uid in ids)

    async def halfway() -> bool:
        return delivered() >= RECIPIENTS // 2

    async def all_final() -> bool:
        async with sessionmaker() as session:
            left = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.not_in(list(FINAL)))
            )
        return left == 0

    try:
        first = await start_sender(emulator_server.base_url, database_url)
        await until(halfway, within=WITHIN, sender=first)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        await asyncio.sleep(1)  # requests the emulator had already received are answered
        assert delivered() < RECIPIENTS
        # Sent but not yet recorded when the sender died: only these may go twice. How many
        # there are depends on how far the recording lagged behind (a busy machine: several).
        async with sessionmaker() as session:
            recorded = set(
                await session.scalars(
                    select(OutboxMessage.chat_id).where(OutboxMessage.status == Delivery.SENT)
                )
            )
        in_flight = {uid for uid in ids if world.sent_per_chat[uid]} - recorded
        assert len(in_flight) <= Settings.model_fields["outbox_concurrency"].default

        second = await start_sender(emulator_server.base_url, database_url)
        try:
            await until(all_final, within=WITHIN, sender=second)
        finally:
            second.send_signal(signal.SIGTERM)
            _, errors = await second.communicate()
        assert second.returncode == 0, errors.decode()
        async with sessionmaker() as session:
            sent = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == Delivery.SENT)
            )
    finally:
        await engine.dispose()

    counts = Counter({uid: world.sent_per_chat[uid] for uid in ids})
    assert [uid for uid in ids if counts[uid] == 0] == []
    doubled = {uid for uid in ids if counts[uid] > 1}
    assert doubled <= in_flight, (doubled, in_flight)
    assert sent == RECIPIENTS
