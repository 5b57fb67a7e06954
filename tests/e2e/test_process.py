"""`poytabot run` as a process: it serves, stops cleanly on SIGTERM, never logs the token."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
from pathlib import Path

from emulator import EmulatorClient, EmulatorServer
from emulator.client import text_of
from tests.e2e.conftest import BOT_TOKEN

ROOT = Path(__file__).resolve().parents[2]
# Guards against hanging, not measures: a new process spends most of this importing aiogram,
# a few seconds here and forty on a busy two-core machine.
STARTED_WITHIN = 180
STOPPED_WITHIN = 60


def bot_env(server: EmulatorServer, database_url: str, **settings: str) -> dict[str, str]:
    """This machine's environment less any POYTABOT_ key, plus a bot against the emulator."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POYTABOT_")}
    env.update(
        POYTABOT_BOT_TOKEN=BOT_TOKEN,
        POYTABOT_BALLOT_KEY=secrets.token_urlsafe(32),
        POYTABOT_API_BASE_URL=server.base_url,
        POYTABOT_DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
    )
    env.update({f"POYTABOT_{k.upper()}": v for k, v in settings.items()})
    return env


async def test_run_polls_answers_and_stops_on_sigterm(
    emu: EmulatorClient, emulator_server: EmulatorServer, database_url: str, tmp_path: Path
) -> None:
    env = bot_env(emulator_server, database_url, log_level="DEBUG")
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:  # a file, not a pipe: nobody must drain it
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        aino = await emu.create_user("Aino")
        await aino.send("/start")
        reply = await aino.expect_message(timeout=STARTED_WITHIN)
        assert "Hei Aino!" in text_of(reply)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=STOPPED_WITHIN)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    log = log_path.read_text()
    assert "Start polling" in log, log[-2000:]
    assert BOT_TOKEN not in log
    assert BOT_TOKEN.split(":")[1] not in log


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_checks_the_secret_and_answers(
    emu: EmulatorClient, emulator_server: EmulatorServer, database_url: str, tmp_path: Path
) -> None:
    import aiohttp

    port = _free_port()
    env = bot_env(
        emulator_server,
        database_url,
        mode="webhook",
        webhook_url=f"http://127.0.0.1:{port}",
        webhook_secret="hook-secret-123",
        webhook_listen=f"127.0.0.1:{port}",
    )
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:  # a file, not a pipe: nobody must drain it
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        aino = await emu.create_user("Aino")
        await aino.send("/start")
        assert "Hei Aino!" in text_of(await aino.expect_message(timeout=STARTED_WITHIN))
        async with aiohttp.ClientSession() as http:
            forged = await http.post(
                f"http://127.0.0.1:{port}/telegram/webhook", json={"update_id": 999, "message": {}}
            )
            assert forged.status == 401  # no secret header: not Telegram
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=STOPPED_WITHIN)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    log = log_path.read_text()
    assert "hook-secret-123" not in log and BOT_TOKEN not in log
