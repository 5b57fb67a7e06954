"""A bot as a real process: started with its settings in the environment, measured from /proc."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Process:
    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User and system CPU time so far (all threads: aiosqlite works in its own)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(api: str, database_url: str, mode: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POYTABOT_")}
    env.update(
        POYTABOT_API_BASE_URL=api,
        POYTABOT_DATABASE_URL=database_url,
        POYTABOT_MODE=mode,
        PYTHONPATH=str(ROOT),
        **{f"POYTABOT_{k.upper()}": v for k, v in settings.items()},
    )
    if mode == "webhook":
        port = free_port()
        env.update(
            POYTABOT_WEBHOOK_URL=f"http://127.0.0.1:{port}",
            POYTABOT_WEBHOOK_SECRET="bench-secret-123",
            POYTABOT_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        )
    return env


@contextlib.asynccontextmanager
async def running(
    module: str, env: dict[str, str], folder: Path, *args: str
) -> AsyncIterator[Process]:
    """`python -m module args`, stopped by SIGTERM (as systemd would) on the way out."""
    log = folder / f"{module.rsplit('.', 1)[-1]}.log"
    command = [sys.executable, "-m", module, *args]
    with log.open("ab") as log_file:  # a file, not a pipe: nobody must drain it
        process = await asyncio.create_subprocess_exec(
            *command, cwd=folder, env=env, stdout=log_file, stderr=asyncio.subprocess.STDOUT
        )
    try:
        yield Process(process, log)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()
