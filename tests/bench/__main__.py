"""Outbox throughput against the emulator: ratios to a plain sendMessage loop in the same run.

    python -m tests.bench [--messages 300] [--limits]

The baseline sends the same messages with a bare `await bot.send_message` loop, as a naive bot
would. The outbox run adds everything the baseline lacks: claiming rows, recording each result,
the limiter. With `--limits` the emulator enforces Telegram's limits: the baseline then meets
429s, the outbox paces itself.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiogram.exceptions import TelegramRetryAfter

from bot.app import create_bot
from core.clock import Clock
from core.settings import Settings
from emulator import EmulatorServer
from scheduler.limits import GLOBAL, Limit, Limiter
from scheduler.outbox import OutboxSender
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.outbox import enqueue

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


async def run(messages: int, limits: bool) -> None:
    server = await EmulatorServer.start()
    server.add_bot(TOKEN, "poytabot", "Bench")
    bot_account = server.state.default_bot()
    chats = []
    for n in range(messages):
        account = server.state.add_user(f"Jäsen {n}")
        server.state.private_chat(bot_account, account)
        chats.append(account.id)
    server.rate_limits.enabled = limits
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade(url)
        settings = Settings(
            bot_token=TOKEN, api_base_url=server.base_url, database_url=url, _env_file=None
        )  # type: ignore[call-arg]
        bot = create_bot(settings)
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        try:
            baseline, refused = await _baseline(bot, chats)
            server.rate_limits.reset()
            await asyncio.sleep(1.1)
            results = {"bare loop": (baseline, refused)}
            unlimited = Limiter(Limit(10_000, 1.0), Limit(10_000, 1.0), Limit(10_000, 1.0))
            for name, limiter in (
                ("outbox, no limiter", unlimited),
                ("outbox, Telegram limits", Limiter()),
            ):
                async with sessionmaker() as session, session.begin():
                    await enqueue(
                        session,
                        batch=f"bench:{name}",
                        chat_ids=chats,
                        now=datetime.now(UTC),
                        text="Tiedote",
                    )
                sender = OutboxSender(bot, sessionmaker, Clock(), limiter=limiter, concurrency=8)
                before = server.state.too_many_given
                started = time.perf_counter()
                await sender.drain()
                results[name] = (
                    time.perf_counter() - started,
                    server.state.too_many_given - before,
                )
                server.rate_limits.reset()
                await asyncio.sleep(1.1)
        finally:
            await bot.session.close()
            await engine.dispose()
            await server.stop()
    print(
        f"{messages} messages, emulator limits {'on' if limits else 'off'}; "
        f"Telegram's ceiling is {GLOBAL.count}/s, the limiter aims at {GLOBAL.rate:.1f}/s"
    )
    print(f"{'run':<26}{'seconds':>9}{'msg/s':>9}{'x loop':>9}{'429s':>7}")
    for name, (seconds, too_many) in results.items():
        print(
            f"{name:<26}{seconds:>9.2f}{messages / seconds:>9.1f}"
            f"{seconds / baseline:>9.2f}{too_many:>7}"
        )


async def _baseline(bot: object, chats: list[int]) -> tuple[float, int]:
    started = time.perf_counter()
    refused = 0
    for chat_id in chats:
        while True:
            try:
                await bot.send_message(chat_id, "Tiedote")  # type: ignore[attr-defined]
                break
            except TelegramRetryAfter as error:
                refused += 1
                await asyncio.sleep(error.retry_after)
    return time.perf_counter() - started, refused


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--limits", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.messages, args.limits))


if __name__ == "__main__":
    main()
