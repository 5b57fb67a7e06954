"""Fixtures: an in-process emulator with one registered bot, and a control client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from emulator import EmulatorClient, EmulatorServer

TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwx"


@pytest.fixture
async def emulator_server() -> AsyncIterator[EmulatorServer]:
    server = await EmulatorServer.start(host="127.0.0.1", port=0)
    yield server
    await server.stop()


@pytest.fixture
async def emu(emulator_server: EmulatorServer) -> AsyncIterator[EmulatorClient]:
    client = EmulatorClient(emulator_server.base_url)
    await client.create_bot(token=TOKEN, username="poytabot", first_name="Pöytäbotti")
    await client.configure(webhook_backoff_initial=0.05, webhook_backoff_max=0.2)
    yield client
    await client.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Api:
    """Raw Bot API calls returning (status, body, headers)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str = TOKEN):
        self.session = session
        self.base = f"{base_url}/bot{token}"

    async def call(self, method: str, **params: object) -> tuple[int, dict, dict]:
        async with self.session.post(f"{self.base}/{method}", json=params) as response:
            return response.status, await response.json(), dict(response.headers)

    async def ok(self, method: str, **params: object) -> object:
        status, body, _ = await self.call(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: object) -> tuple[int, str]:
        status, body, _ = await self.call(method, **params)
        assert body["ok"] is False and body["error_code"] == status, body
        return status, body["description"]

    async def next_update(self, kind: str, timeout: int = 2) -> dict:
        """Confirm updates until one of `kind` arrives; return its payload."""
        offset = None
        while True:
            params: dict[str, object] = {"timeout": timeout}
            if offset is not None:
                params["offset"] = offset
            updates = await self.ok("getUpdates", **params)
            assert isinstance(updates, list)
            assert updates, f"no {kind} update within {timeout} s"
            for update in updates:
                offset = update["update_id"] + 1
                if kind in update:
                    await self.ok("getUpdates", offset=offset)
                    return update[kind]


@pytest.fixture
async def api(
    emu: EmulatorClient, emulator_server: EmulatorServer, http: aiohttp.ClientSession
) -> Api:
    return Api(http, emulator_server.base_url)
