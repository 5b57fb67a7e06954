"""Many members vote at once while the bot process is killed (SIGKILL) or stopped (SIGTERM).

The bot runs as `poytabot run` (polling or webhook) against the emulator. Each member presses
two answers 5 ms apart, every round the other way round, so the press that must win is the
second. Between rounds the process dies at a random moment; the next process handles what
Telegram still holds and what was queued. After each round every member's vote must be their
later press: none lost, none overwritten by the older press, none counted twice. The last round
ends with SIGTERM, which must leave exit code 0 and nothing lost.

Short by default; the full count (issue 11: 1,000 voters, ≥ 10 rounds) with
POYTABOT_CHAOS_VOTERS=1000 POYTABOT_CHAOS_ROUNDS=10.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from emulator import EmulatorClient, EmulatorServer
from emulator.actions import press
from storage.db import create_engine, create_sessionmaker
from storage.people import Person, Table, grant_role
from storage.roles import Role
from storage.tables_config import read_tables_file, sync_tables
from storage.updates import ProcessedUpdate, QueuedUpdate
from storage.vote_rules import Choice
from storage.votes import BallotKind, OpenVote, open_ballot
from tests.e2e.conftest import BOT_TOKEN
from tests.e2e.test_process import bot_env

BALLOT_KEY = secrets.token_urlsafe(32)

VOTERS = int(os.environ.get("POYTABOT_CHAOS_VOTERS", "300"))
ROUNDS = int(os.environ.get("POYTABOT_CHAOS_ROUNDS", "2"))
# Guards against hanging, not measures (a new process imports aiogram first).
WITHIN = 300 + VOTERS // 2
ROOT = Path(__file__).resolve().parents[2]
PAIRS = [(Choice.AGREE, Choice.DISAGREE), (Choice.DISAGREE, Choice.AGREE)]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tail(log: Path) -> str:
    return log.read_text()[-3000:]


class Voters:
    """The members, their ballot messages in the emulator, and the database to check."""

    def __init__(self, server: EmulatorServer, database_url: str) -> None:
        self.server = server
        self.world = server.state
        self.bot = self.world.default_bot()
        self.database_url = database_url
        self.engine = create_engine(database_url)
        self.sessionmaker = create_sessionmaker(engine=self.engine)
        self.accounts: list[Any] = []
        self.person_ids: dict[int, int] = {}  # person id -> account index
        self.messages: list[Any] = []
        self.presses = 0
        self.answers: list[asyncio.Task[Any]] = []

    async def seat(self, count: int) -> None:
        now = datetime.now(UTC)
        async with self.sessionmaker() as session, session.begin():
            await sync_tables(session, read_tables_file(None))
            table = await session.scalar(select(Table).where(Table.slug == "pohjoinen"))
            assert table is not None
            ballot = await open_ballot(
                session,
                table_id=table.id,
                kind=BallotKind.PROPOSAL,
                title="Kaaosäänestys",
                now=now,
                closes_at=now + timedelta(days=2),
                created_by=None,
            )
            for number in range(count):
                account = self.world.add_user(f"Jäsen {number}")
                self.world.private_chat(self.bot, account)
                person = Person(
                    telegram_id=account.id,
                    first_name=account.first_name,
                    private_chat_open=True,
                    created_at=now,
                )
                session.add(person)
                await session.flush()
                await grant_role(
                    session,
                    person=person,
                    table=table,
                    role=Role.MEMBER,
                    starts_on=date.today() - timedelta(days=1),
                    ends_on=None,
                    actor_id=None,
                )
                self.accounts.append(account)
                self.person_ids[person.id] = number
            ballot_id = ballot.id
        keyboard = {
            "inline_keyboard": [
                [
                    {"text": choice.value, "callback_data": f"v:{ballot_id}:{choice.value}"}
                    for choice in Choice
                ]
            ]
        }
        for account in self.accounts:
            chat = self.world.private_chat(self.bot, account)
            self.messages.append(
                self.world.store_message(
                    chat, self.bot, {"text": "Kaaosäänestys", "reply_markup": keyboard}
                )
            )

    async def press_all(self, first: Choice, second: Choice) -> None:
        """Every member presses `first`, then `second` 5 ms later (answers are awaited apart)."""
        tasks = self.answers

        async def member(index: int) -> None:
            account, message = self.accounts[index], self.messages[index]
            chat = message.chat
            ballot_data = message.data["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            prefix = ballot_data.rsplit(":", 1)[0]
            earlier = asyncio.create_task(
                press(
                    self.world,
                    account,
                    chat,
                    message.message_id,
                    f"{prefix}:{first.value}",
                    timeout=WITHIN,
                )
            )
            await asyncio.sleep(0.005)
            later = asyncio.create_task(
                press(
                    self.world,
                    account,
                    chat,
                    message.message_id,
                    f"{prefix}:{second.value}",
                    timeout=WITHIN,
                )
            )
            tasks.extend([earlier, later])

        await asyncio.gather(*(member(i) for i in range(len(self.accounts))))
        self.presses += 2 * len(self.accounts)

    async def handled(self) -> int:
        async with self.sessionmaker() as session:
            return int(
                await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0
            )

    async def all_handled(self) -> bool:
        async with self.sessionmaker() as session:
            queued = await session.scalar(select(func.count()).select_from(QueuedUpdate))
        pending = self.bot.updates.pending
        return not queued and not pending and await self.handled() >= self.presses

    async def votes(self) -> dict[int, Choice]:
        async with self.sessionmaker() as session:
            rows = await session.execute(select(OpenVote.person_id, OpenVote.choice))
            return {self.person_ids[person_id]: choice for person_id, choice in rows}


async def start_bot(
    server: EmulatorServer, tmp_path: Path, database_url: str, mode: str, port: int, log: Path
) -> asyncio.subprocess.Process:
    # Every restart keeps the one key, as a server does: the queue is sealed with it.
    settings = {"flood_limit": "1000", "log_level": "WARNING", "ballot_key": BALLOT_KEY}
    if mode == "webhook":
        settings.update(
            mode="webhook",
            webhook_url=f"http://127.0.0.1:{port}",
            webhook_secret="chaos-secret-1",
            webhook_listen=f"127.0.0.1:{port}",
        )
    env = bot_env(server, database_url, **settings)
    with log.open("ab") as log_file:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
        )


async def until(condition: Callable[[], Awaitable[bool]], process: Any, log: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WITHIN
    while not await condition():
        if process.returncode is not None or loop.time() > deadline:
            raise AssertionError(f"not done in time; bot exit {process.returncode}\n{tail(log)}")
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_votes_survive_kills_in_order_and_once(
    emu: EmulatorClient,
    emulator_server: EmulatorServer,
    database_url: str,
    tmp_path: Path,
    mode: str,
) -> None:
    world = emulator_server.state
    world.callback_expiry = 3600  # an answer after a restart still reaches the person
    world.webhook_timing.backoff_max = 0.5  # Telegram's retries, shortened
    voters = Voters(emulator_server, database_url)
    port = _free_port()
    log = tmp_path / "bot.log"
    rng = random.Random(os.environ.get("POYTABOT_CHAOS_SEED"))
    lost = overwritten = doubled = acknowledged = 0
    kills: list[str] = []
    process = None
    try:
        await voters.seat(VOTERS)
        for round_number in range(ROUNDS + 1):
            process = await start_bot(emulator_server, tmp_path, database_url, mode, port, log)
            await until(voters.all_handled, process, log)
            if round_number:
                # What the previous round's presses must have left.
                first, second = PAIRS[(round_number - 1) % 2]
                votes = await voters.votes()
                lost += sum(1 for i in range(VOTERS) if i not in votes)
                overwritten += sum(1 for choice in votes.values() if choice is first)
                wrong = [c for c in votes.values() if c not in (first, second)]
                assert not wrong, wrong
                doubled += await voters.handled() - voters.presses  # a press recorded twice
            if round_number == ROUNDS:
                break
            first, second = PAIRS[round_number % 2]
            before = await voters.handled()
            await voters.press_all(first, second)

            async def started(before: int = before) -> bool:
                return await voters.handled() > before

            await until(started, process, log)
            # Die at a random moment while the presses are being handled.
            await asyncio.sleep(rng.uniform(0.0, 1.5))
            last = round_number == ROUNDS - 1
            process.send_signal(signal.SIGTERM if last else signal.SIGKILL)
            kills.append("TERM" if last else "KILL")
            await asyncio.wait_for(process.wait(), WITHIN)
            if last:
                assert process.returncode == 0, tail(log)
        assert process is not None
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), WITHIN)
        assert process.returncode == 0, tail(log)
        acknowledged = sum(1 for t in voters.answers if t.done() and t.result() is not None)
    finally:
        for task in voters.answers:
            task.cancel()
        await asyncio.gather(*voters.answers, return_exceptions=True)
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await voters.engine.dispose()
    print(
        f"\n{mode}: {ROUNDS} rounds × {VOTERS} voters × 2 presses ({' '.join(kills)}): "
        f"{voters.presses} presses, {acknowledged} answered, {lost} lost, "
        f"{overwritten} overwritten by the older press, {doubled} doubled"
    )
    assert (lost, overwritten, doubled) == (0, 0, 0)
    assert BOT_TOKEN not in tail(log)
