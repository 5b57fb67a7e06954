"""Telegram's flood limits (429 with retry_after) and injected faults."""

from __future__ import annotations

import aiohttp
import pytest

from emulator import EmulatorClient, EmulatorServer
from emulator.client import User
from tests.emulator.conftest import Api


async def started_users(emu: EmulatorClient, count: int) -> list[User]:
    users = []
    for i in range(count):
        user = await emu.create_user(f"User {i}")
        await user.send("/start")
        users.append(user)
    return users


async def test_31st_message_in_a_second_is_429(api: Api, emu: EmulatorClient):
    users = await started_users(emu, 31)
    await emu.set_rate_limits(True)
    for user in users[:30]:
        await api.ok("sendMessage", chat_id=user.id, text="tiedote")
    status, body, headers = await api.call("sendMessage", chat_id=users[30].id, text="tiedote")
    assert status == 429
    assert body["description"] == "Too Many Requests: retry after 1"
    assert body["parameters"] == {"retry_after": 1}
    assert headers["Retry-After"] == "1"
    stats = await emu.stats()
    assert stats["too_many_requests"] == 1
    assert stats["calls"]["sendMessage"] == 31


async def test_rate_limits_are_off_by_default(api: Api, emu: EmulatorClient):
    (alice,) = await started_users(emu, 1)
    for _ in range(40):
        await api.ok("sendMessage", chat_id=alice.id, text="x")


async def test_per_chat_limit_allows_a_small_burst(api: Api, emu: EmulatorClient):
    (alice,) = await started_users(emu, 1)
    await emu.set_rate_limits(True)
    for _ in range(3):
        await api.ok("sendMessage", chat_id=alice.id, text="x")
    status, body, headers = await api.call("sendMessage", chat_id=alice.id, text="x")
    assert status == 429
    retry_after = body["parameters"]["retry_after"]
    assert 1 <= retry_after <= 3
    assert body["description"] == f"Too Many Requests: retry after {retry_after}"
    assert headers["Retry-After"] == str(retry_after)


async def test_edits_count_too(api: Api, emu: EmulatorClient):
    (alice,) = await started_users(emu, 1)
    await emu.set_rate_limits(True)
    sent = await api.ok("sendMessage", chat_id=alice.id, text="0")
    for i in range(1, 3):
        await api.ok(
            "editMessageText", chat_id=alice.id, message_id=sent["message_id"], text=str(i)
        )
    status, _, _ = await api.call(
        "editMessageText", chat_id=alice.id, message_id=sent["message_id"], text="3"
    )
    assert status == 429


async def test_group_limit_20_per_minute(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    group = await emu.create_group("Pohjoinen", members=[alice])
    await group.add_bot(by=alice)
    # A generous per-chat burst isolates the per-group window.
    await emu.set_rate_limits(True, chat_burst=100)
    for _ in range(20):
        await api.ok("sendMessage", chat_id=group.id, text="x")
    status, body, _ = await api.call("sendMessage", chat_id=group.id, text="x")
    assert status == 429
    assert 50 <= body["parameters"]["retry_after"] <= 60


async def test_injected_429_storm(api: Api, emu: EmulatorClient):
    (alice,) = await started_users(emu, 1)
    await emu.inject_faults(too_many_rate=0.3, methods=["sendMessage"], retry_after=3, seed=7)
    statuses = [(await api.call("sendMessage", chat_id=alice.id, text="x"))[0] for _ in range(100)]
    assert 15 <= statuses.count(429) <= 45
    assert set(statuses) == {200, 429}
    assert (await api.call("getMe"))[0] == 200  # other methods unaffected
    await emu.reset_faults()
    assert (await api.call("sendMessage", chat_id=alice.id, text="x"))[0] == 200


async def test_injected_5xx(api: Api, emu: EmulatorClient):
    await emu.inject_faults(status_5xx_rate=1.0)
    status, body, _ = await api.call("getMe")
    assert status == 502
    assert body == {"ok": False, "error_code": 502, "description": "Bad Gateway"}


async def test_injected_delay(api: Api, emu: EmulatorClient):
    import time

    await emu.inject_faults(delay=0.3, methods=["getMe"])
    started = time.monotonic()
    await api.ok("getMe")
    assert time.monotonic() - started >= 0.3


async def test_dropped_connection(api: Api, emu: EmulatorClient, emulator_server: EmulatorServer):
    await emu.inject_faults(drop_rate=1.0, methods=["getMe"])
    with pytest.raises(aiohttp.ClientError):
        await api.call("getMe")
    await emu.reset_faults()
    await api.ok("getMe")


async def test_injected_5xx_burst(api: Api, emu: EmulatorClient):
    await emu.inject_faults(status_5xx_burst=2, methods=["getMe"])
    assert [(await api.call("getMe"))[0] for _ in range(3)] == [502, 502, 200]
