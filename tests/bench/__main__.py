"""Figures, not pass/fail: how close a broadcast comes to Telegram's ceiling, and what it costs.

    python -m tests.bench [--messages 1000] [--postgres URL]

The broadcast: N members, each with a chat open, get one announcement (one outbox batch, as the
announcement flow writes it), sent by the sender `poytabot sender` runs (built from the
settings, draining in its own loop) to the emulator with Telegram's limits on. The ideal is
N / 30 s (Telegram's ceiling, POYTABOT_OUTBOX_RATE); the figure is the time taken divided by
it (1.00 is the ceiling; a little above is the limiter's safety margin). Also counted: 429
answers seen, members reached never (lost) or twice (doubled).

The limiter's pace: the bare limiter, no network, as a ratio to the rate it aims at.

Runs on SQLite; with --postgres (default POYTABOT_TEST_POSTGRES_URL, a server where databases
may be created) on PostgreSQL too. Prints a table and writes bench-results/<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_bot
from core.clock import Clock
from core.settings import Settings
from emulator import EmulatorServer
from scheduler.limits import GLOBAL, Limiter
from scheduler.outbox import OutboxSender, run_forever
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.outbox import FINAL, Delivery, OutboxMessage, enqueue

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
RESULTS = Path(__file__).resolve().parents[2] / "bench-results"
GIVE_UP_AFTER = 600.0


@dataclass
class Broadcast:
    database: str
    messages: int
    ceiling_per_second: float
    seconds: float
    ideal_seconds: float
    ratio_to_ideal: float  # seconds / ideal_seconds; 1.00 is Telegram's ceiling
    per_second: float
    too_many_requests: int  # 429 answers the emulator gave
    lost: int  # members who got nothing
    doubled: int  # members who got it more than once
    not_sent: int  # outbox rows that ended in another state than SENT


@dataclass
class Pace:
    sends: int
    per_second: float
    aim_per_second: float
    ratio_to_aim: float


@contextlib.asynccontextmanager
async def database(kind: str, postgres: str | None) -> AsyncIterator[str]:
    """An empty, migrated database for one run, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            await asyncio.to_thread(upgrade, url)
            yield url
        return
    import asyncpg

    assert postgres
    dsn = postgres.replace("postgresql+asyncpg", "postgresql")
    name = f"poytabot_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        url = postgres.rsplit("/", 1)[0] + "/" + name
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def broadcast(kind: str, url: str, messages: int) -> Broadcast:
    server = await EmulatorServer.start()
    server.add_bot(TOKEN, "poytabot", "Bench")
    world = server.state
    bot_account = world.default_bot()
    chats = []
    for number in range(messages):
        account = world.add_user(f"Jäsen {number}")
        world.private_chat(bot_account, account)
        chats.append(account.id)
    server.rate_limits.enabled = True
    values: dict[str, object] = {
        "bot_token": TOKEN,
        "api_base_url": server.base_url,
        "database_url": url,
        "_env_file": None,
    }
    settings = Settings(**values)  # type: ignore[arg-type]
    bot = create_bot(settings)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    clock = Clock()
    try:
        async with sessionmaker() as session, session.begin():
            await enqueue(session, batch="bench", chat_ids=chats, now=clock.now(), text="Tiedote")
        sender = OutboxSender.from_settings(bot, sessionmaker, clock, settings)
        stop = asyncio.Event()
        started = clock.now()
        running = asyncio.create_task(run_forever(sender, 0.5, stop))
        deadline = time.monotonic() + GIVE_UP_AFTER
        # Look seldom: the looking should not slow the sending down.
        while await _open_rows(sessionmaker) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        stop.set()
        await running
        async with sessionmaker() as session:
            last = await session.scalar(select(func.max(OutboxMessage.sent_at)))
            not_sent = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != Delivery.SENT)
            )
    finally:
        await bot.session.close()
        await engine.dispose()
        await server.stop()
    seconds = ((last or clock.now()) - started).total_seconds()
    ideal = messages / settings.outbox_rate
    return Broadcast(
        database=kind,
        messages=messages,
        ceiling_per_second=settings.outbox_rate,
        seconds=round(seconds, 2),
        ideal_seconds=round(ideal, 2),
        ratio_to_ideal=round(seconds / ideal, 3),
        per_second=round(messages / seconds, 2),
        too_many_requests=world.too_many_given,
        lost=sum(1 for chat in chats if world.sent_per_chat[chat] == 0),
        doubled=sum(1 for chat in chats if world.sent_per_chat[chat] > 1),
        not_sent=int(not_sent or 0),
    )


async def _open_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.not_in(list(FINAL)))
        )
    return left or 0


async def pace(sends: int = 150) -> Pace:
    limiter = Limiter()
    loop = asyncio.get_running_loop()
    times = []
    for _ in range(sends):
        await limiter.slot(None)
        times.append(loop.time())
    rate = (len(times) - 1) / (times[-1] - times[0])
    return Pace(sends, round(rate, 2), round(GLOBAL.rate, 2), round(rate / GLOBAL.rate, 3))


async def run(messages: int, postgres: str | None) -> dict[str, object]:
    kinds = ["sqlite", "postgres"] if postgres else ["sqlite"]
    runs = []
    for kind in kinds:
        async with database(kind, postgres) as url:
            runs.append(await broadcast(kind, url, messages))
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})",
        "broadcast": [asdict(r) for r in runs],
        "limiter_pace": asdict(await pace()),
    }


def report(results: dict[str, object]) -> str:
    runs = [Broadcast(**r) for r in results["broadcast"]]  # type: ignore[attr-defined]
    limiter = Pace(**results["limiter_pace"])  # type: ignore[arg-type]
    lines = [
        f"Broadcast through the outbox, emulator with Telegram's limits on ({results['machine']})",
        f"{'database':<10}{'N':>6}{'seconds':>9}{'ideal':>8}{'÷ ideal':>9}{'msg/s':>8}"
        f"{'429s':>6}{'lost':>6}{'doubled':>9}{'not sent':>10}",
    ]
    for r in runs:
        lines.append(
            f"{r.database:<10}{r.messages:>6}{r.seconds:>9.2f}{r.ideal_seconds:>8.2f}"
            f"{r.ratio_to_ideal:>9.3f}{r.per_second:>8.2f}{r.too_many_requests:>6}"
            f"{r.lost:>6}{r.doubled:>9}{r.not_sent:>10}"
        )
    lines.append(
        f"ideal = N / {runs[0].ceiling_per_second:g} s (Telegram's ceiling); "
        f"the limiter aims at {limiter.aim_per_second}/s"
    )
    lines.append(
        f"Limiter alone: {limiter.sends} turns at {limiter.per_second}/s, "
        f"{limiter.ratio_to_aim:.3f} of its aim"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("POYTABOT_TEST_POSTGRES_URL"),
        help="a PostgreSQL server URL where a scratch database may be created",
    )
    args = parser.parse_args()
    results = asyncio.run(run(args.messages, args.postgres))
    print(report(results))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {path.relative_to(RESULTS.parent)}")


if __name__ == "__main__":
    main()
