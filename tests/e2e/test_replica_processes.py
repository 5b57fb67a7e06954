"""Several `poytabot` processes on one PostgreSQL: two outbox senders share the work and
Telegram's limit, two webhook replicas behind a round-robin proxy share half-filled forms.

Real processes, as in production (see README, "Deployment"). The announcement goes to
POYTABOT_TEST_REPLICA_MEMBERS members (default 1,000); the vote notice and the reminder to
the first tenth of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from emulator import EmulatorClient, EmulatorServer
from emulator.client import text_of
from storage.announcements import Announcement
from storage.db import create_engine, create_sessionmaker
from storage.outbox import FINAL, OutboxMessage, enqueue
from storage.people import Person, Table, grant_role
from storage.roles import Role
from tests.e2e.conftest import BOT_TOKEN
from tests.e2e.test_process import STARTED_WITHIN
from tests.e2e.test_replicas import REDIS_URL

BALLOT_KEY = secrets.token_urlsafe(32)
MEMBERS = int(os.environ.get("POYTABOT_TEST_REPLICA_MEMBERS", "1000"))
# Guards against hanging only: 1,200 messages take 40 s at Telegram's pace, far more on a
# busy two-core machine.
DONE_WITHIN = 600
ROOT = Path(__file__).resolve().parents[2]


def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas and several senders need PostgreSQL (SQLite is one process)")


def env(server: EmulatorServer, **settings: str) -> dict[str, str]:
    """This machine's environment less any POYTABOT_ key, plus a bot against the emulator."""
    values = {k: v for k, v in os.environ.items() if not k.startswith("POYTABOT_")}
    values.update(
        POYTABOT_BOT_TOKEN=BOT_TOKEN,
        POYTABOT_API_BASE_URL=server.base_url,
        POYTABOT_BALLOT_KEY=BALLOT_KEY,  # one key for every replica, as in production
    )
    values.update({f"POYTABOT_{k.upper()}": v for k, v in settings.items()})
    return values


@contextlib.asynccontextmanager
async def processes(
    server: EmulatorServer, tmp_path: Path, command: list[str], *settings: dict[str, str]
) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """One `poytabot <command>` per settings, logging to files; SIGTERM at the end.

    Only senders are held to exit 0 here: how `run` stops is tests/e2e/test_process.py's.
    """
    started = []
    try:
        for number, values in enumerate(settings):
            log_file = (tmp_path / f"{command[0]}-{number}.log").open("wb")
            started.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot.cli",
                    *command,
                    cwd=ROOT,
                    env=env(server, **values),
                    stdout=log_file,
                    stderr=asyncio.subprocess.STDOUT,
                )
            )
            log_file.close()
        yield started
        for process in started:
            process.terminate()
        for number, process in enumerate(started):
            code = await asyncio.wait_for(process.wait(), timeout=60)
            log = (tmp_path / f"{command[0]}-{number}.log").read_text()
            assert code == 0 or command[0] != "sender", log[-3000:]
    finally:
        for process in started:
            if process.returncode is None:
                process.kill()
                await process.wait()


def recipients(server: EmulatorServer, count: int) -> list[int]:
    """Emulator accounts that opened their chat with the bot (the outbox needs no more)."""
    world = server.state
    bot = world.default_bot()
    ids = []
    for number in range(count):
        account = world.add_user(f"Jäsen {number}")
        world.private_chat(bot, account)
        ids.append(account.id)
    return ids


async def until_all_final(
    sessionmaker: async_sessionmaker[AsyncSession], senders: list[asyncio.subprocess.Process]
) -> set[str]:
    """Wait until every row is final; which senders were seen holding rows meanwhile."""
    seen: set[str] = set()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DONE_WITHIN
    while True:
        async with sessionmaker() as session:
            left = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.not_in(list(FINAL)))
            )
            holders = await session.scalars(select(OutboxMessage.claimed_by))
            seen.update(name for name in holders if name)
        if not left:
            return seen
        assert all(p.returncode is None for p in senders), "a sender died"
        assert loop.time() < deadline, f"{left} messages still unsent"
        await asyncio.sleep(0.5)


@pytest.mark.slow
async def test_two_senders_deliver_every_notice_reminder_and_announcement_once(
    emulator_server: EmulatorServer, emu: EmulatorClient, database_url: str, tmp_path: Path
) -> None:
    postgres_only(database_url)
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    ids = recipients(emulator_server, MEMBERS)
    table = ids[: max(1, MEMBERS // 10)]
    now = datetime.now(UTC)
    # What the vote, reminder and announcement paths queue (notify.fanout.tell): outbox rows.
    async with sessionmaker() as session, session.begin():
        await enqueue(session, batch="vote:1", chat_ids=table, now=now, text="Uusi äänestys")
        await enqueue(session, batch="reminder:1", chat_ids=table, now=now, text="Muistutus")
        await enqueue(session, batch="announcement:1", chat_ids=ids, now=now, text="Tiedote")
    await emu.set_rate_limits(True)
    # Telegram's 30 a second, divided between the two senders.
    each = {"database_url": database_url, "outbox_rate": "15", "log_level": "WARNING"}
    started = time.monotonic()
    try:
        async with processes(
            emulator_server, tmp_path, ["sender", "--interval", "0.2"], each, each
        ) as senders:
            working = await until_all_final(sessionmaker, senders)
            elapsed = time.monotonic() - started
    finally:
        await engine.dispose()

    world = emulator_server.state
    bot = world.default_bot()
    wrong = {}
    for text, chats in (("Uusi äänestys", table), ("Muistutus", table), ("Tiedote", ids)):
        for uid in chats:
            messages = world.private[(bot.id, uid)].messages.values()
            got = sum(1 for m in messages if m.sender_id == bot.id and text_of(m.data) == text)
            if got != 1:
                wrong[(text, uid)] = got
    stats = await emu.stats()
    total = MEMBERS + 2 * len(table)
    print(
        f"two senders: {total} messages in {elapsed:.1f} s (start-up included), "
        f"{stats['too_many_requests']} × 429, {len(wrong)} not exactly once, "
        f"{len(working)} senders seen at work"
    )
    assert wrong == {}
    assert stats["too_many_requests"] == 0
    assert len(working) == 2  # both took part


class RoundRobin:
    """A load balancer in front of the replicas: each update to the next one in turn."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.turn = 0
        self.served: Counter[int] = Counter()

    async def forward(self, request: web.Request) -> web.StreamResponse:
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.post(
                    f"http://127.0.0.1:{port}{request.path}",
                    data=await request.read(),
                    headers=headers,
                ) as answer,
            ):
                body = await answer.read()
                self.served[port] += 1
                return web.Response(
                    status=answer.status, body=body, content_type=answer.content_type
                )
        except aiohttp.ClientConnectionError:
            return web.Response(status=502)  # not up yet: Telegram tries again later


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(proxy: RoundRobin, port: int) -> AsyncIterator[None]:
    app = web.Application()
    app.router.add_post("/telegram/webhook", proxy.forward)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield
    finally:
        await runner.cleanup()


async def until_up(port: int) -> None:
    """A replica listens once its webhook path answers anything at all."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTED_WITHIN
    async with aiohttp.ClientSession() as http:
        while True:
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with http.get(f"http://127.0.0.1:{port}/telegram/webhook"):
                    return
            assert loop.time() < deadline, f"replica on port {port} did not start"
            await asyncio.sleep(0.2)


async def seat(
    sessionmaker: async_sessionmaker[AsyncSession], user: Any, name: str, role: Role
) -> None:
    async with sessionmaker() as session, session.begin():
        person = Person(
            telegram_id=user.id,
            first_name=name,
            private_chat_open=False,
            created_at=datetime.now(UTC),
        )
        session.add(person)
        await session.flush()
        table = await session.scalar(select(Table).where(Table.slug == "pohjoinen"))
        await grant_role(
            session,
            person=person,
            table=table,
            role=role,
            starts_on=datetime.now(UTC).date(),
            ends_on=None,
            actor_id=None,
        )


@pytest.mark.parametrize("forms_in", ["database", "redis"])
async def test_a_form_started_on_one_webhook_replica_is_finished_on_the_other(
    emulator_server: EmulatorServer,
    emu: EmulatorClient,
    database_url: str,
    tmp_path: Path,
    forms_in: str,
) -> None:
    postgres_only(database_url)
    proxy_port, ports = free_port(), [free_port(), free_port()]
    proxy = RoundRobin(ports)
    common = {
        "database_url": database_url,
        "mode": "webhook",
        "webhook_url": f"http://127.0.0.1:{proxy_port}",
        "webhook_secret": "replica-secret",
    }
    if forms_in == "redis":
        prefix = f"test-{uuid.uuid4().hex[:12]}"
        common.update(redis_url=REDIS_URL, redis_prefix=prefix)
    replicas = [{**common, "webhook_listen": f"127.0.0.1:{port}"} for port in ports]
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with (
            serving(proxy, proxy_port),
            processes(emulator_server, tmp_path, ["run"], *replicas),
        ):
            for port in ports:
                await until_up(port)
            anna, kaisa = await emu.create_user("Anna"), await emu.create_user("Kaisa")
            await seat(sessionmaker, anna, "Anna", Role.MEMBER)
            await seat(sessionmaker, kaisa, "Kaisa", Role.COORDINATOR)
            for user in (anna, kaisa):
                await user.send("/start")
                await user.expect_message(timeout=STARTED_WITHIN)
            # From here each step of the form goes to the other replica than the step before.
            await kaisa.send("/tiedote")
            await kaisa.expect_message("Kirjoita tiedote")
            await kaisa.send("Kevätkokous on 3.4. kirjastossa.")
            await kaisa.expect_message("Ketkä pöydistä")
            await kaisa.press("Kaikki jäsenet")
            await kaisa.expect_message("Kevätkokous on 3.4. kirjastossa.")
            await kaisa.expect_message("Lähetetäänkö?")
            await kaisa.press("📤 Lähetä nyt")
            await anna.expect_message("Kevätkokous on 3.4. kirjastossa.", timeout=30)
            await anna.expect_no_message(within=1.0)
        async with sessionmaker() as session:
            texts = list(await session.scalars(select(Announcement.text)))
    finally:
        await engine.dispose()
    print(f"updates per replica: {sorted(proxy.served.values())}")
    assert texts == ["Kevätkokous on 3.4. kirjastossa."]
    assert all(proxy.served[port] >= 3 for port in ports), proxy.served
    assert "Jokin meni vikaan" not in " ".join(text_of(m) for m in await kaisa.history())
