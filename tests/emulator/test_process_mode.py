"""`python -m emulator` serves the Bot API and the control API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import aiohttp

from emulator import EmulatorClient

ROOT = Path(__file__).resolve().parents[2]


async def test_python_m_emulator_serves_both_apis():
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        "0",
        "--bot",
        "42:SECRET:demo_bot",
        cwd=ROOT,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        line = await asyncio.wait_for(process.stderr.readline(), 10)
        match = re.search(r"http://127\.0\.0\.1:\d+", line.decode())
        assert match, line
        base_url = match.group(0)
        url = f"{base_url}/bot42:SECRET/getMe"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            me = (await response.json())["result"]
        assert me["username"] == "demo_bot"
        emu = EmulatorClient(base_url)
        alice = await emu.create_user("Alice")
        await alice.send("/start")
        assert [m["text"] for m in await alice.history()] == ["/start"]
        await emu.close()
    finally:
        process.terminate()
        await process.wait()
