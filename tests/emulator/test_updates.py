"""getUpdates long polling and webhook delivery, as Telegram delivers updates."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from emulator import EmulatorClient
from emulator.updates import UpdateQueue
from tests.emulator.conftest import Api

CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)


async def test_long_poll_returns_early_when_a_user_writes(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    poll = asyncio.create_task(api.ok("getUpdates", timeout=30))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await alice.send("hei")
    # Far less than the poll's 30 s, however busy the machine: it answered because Alice wrote.
    updates = await asyncio.wait_for(poll, timeout=15)
    assert updates[0]["message"]["text"] == "hei"


async def test_long_poll_waits_for_the_timeout(api: Api):
    started = time.monotonic()
    assert await asyncio.wait_for(api.ok("getUpdates", timeout=1), timeout=15) == []
    assert time.monotonic() - started > 0.9


async def test_timeout_is_clamped_to_0_50(api: Api, emu: EmulatorClient, monkeypatch):
    waited: list[float] = []
    original = UpdateQueue.get_updates

    async def record(self, offset, limit, timeout, allowed):  # type: ignore[no-untyped-def]
        waited.append(timeout)
        return await original(self, offset, limit, 0, allowed)

    monkeypatch.setattr(UpdateQueue, "get_updates", record)
    assert await api.ok("getUpdates", timeout=-5) == []  # counts as 0: answers at once
    await api.ok("getUpdates", timeout=3600)
    assert waited == [0, 50]


async def test_offset_confirms_updates(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    for text in ("yksi", "kaksi", "kolme"):
        await alice.send(text)
    updates = await api.ok("getUpdates")
    assert [u["message"]["text"] for u in updates] == ["yksi", "kaksi", "kolme"]
    again = await api.ok("getUpdates")
    assert again == updates  # nothing confirmed yet
    rest = await api.ok("getUpdates", offset=updates[1]["update_id"])
    assert [u["message"]["text"] for u in rest] == ["kaksi", "kolme"]
    assert await api.ok("getUpdates", offset=updates[2]["update_id"] + 1) == []


async def test_negative_offset_keeps_only_the_last_updates(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    for text in ("yksi", "kaksi", "kolme"):
        await alice.send(text)
    last = await api.ok("getUpdates", offset=-1)
    assert [u["message"]["text"] for u in last] == ["kolme"]
    # The earlier ones are forgotten.
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == ["kolme"]


async def test_limit(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    for i in range(5):
        await alice.send(f"viesti {i}")
    assert len(await api.ok("getUpdates", limit=2)) == 2
    assert len(await api.ok("getUpdates", limit=0)) == 1  # clamped to 1
    assert len(await api.ok("getUpdates", limit=1000)) == 5  # clamped to 100


async def test_allowed_updates_persist_between_calls(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    await api.ok("getUpdates", allowed_updates=["callback_query"])
    await alice.send("ignored")
    assert await api.ok("getUpdates") == []
    await api.ok("getUpdates", allowed_updates=[])
    await alice.send("seen")
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == ["seen"]


async def test_chat_member_updates_are_opt_in(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    bob = await emu.create_user("Bob")
    group = await emu.create_group("Pohjoinen", members=[alice])
    await group.add_bot(by=alice, admin=True)
    await bob.join(group)
    kinds = [next(k for k in u if k != "update_id") for u in await api.ok("getUpdates")]
    assert "chat_member" not in kinds
    await api.ok("getUpdates", offset=-1, allowed_updates=["message", "chat_member"])
    await api.ok("getUpdates", offset=-1)  # confirm the last one too
    await bob.leave(group)
    updates = await api.ok("getUpdates", offset=-2)
    kinds = [next(k for k in u if k != "update_id") for u in updates]
    assert kinds == ["message", "chat_member"]


async def test_second_poller_terminates_the_first(api: Api):
    first = asyncio.create_task(api.call("getUpdates", timeout=2))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(api.call("getUpdates", timeout=0))
    status, body, _ = await first
    assert (status, body["description"]) == (409, CONFLICT_POLL)
    assert (await second)[0] == 200


async def test_get_updates_while_webhook_is_set(api: Api):
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    assert await api.error("getUpdates") == (409, CONFLICT_WEBHOOK)
    await api.ok("deleteWebhook")
    assert await api.ok("getUpdates") == []


async def test_set_webhook_ends_a_running_long_poll(api: Api):
    poll = asyncio.create_task(api.error("getUpdates", timeout=2))
    await asyncio.sleep(0.1)
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    assert await poll == (409, CONFLICT_POLL)
    await api.ok("deleteWebhook")


class Receiver:
    """A local webhook endpoint that fails the first `failures` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict, str | None, float]] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        self.received.append(
            (update, request.headers.get("X-Telegram-Bot-Api-Secret-Token"), time.monotonic())
        )
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        self.arrived.set()
        return web.Response(status=200)

    async def __aenter__(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}/hook"

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


async def test_webhook_delivery_with_secret(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    receiver = Receiver()
    async with receiver as url:
        await api.ok("setWebhook", url=url, secret_token="s3cret-token_1")
        info = await api.ok("getWebhookInfo")
        assert info["url"] == url
        await alice.send("hei")
        await asyncio.wait_for(receiver.arrived.wait(), 2)
        await api.ok("deleteWebhook")
    update, secret, _ = receiver.received[0]
    assert update["message"]["text"] == "hei"
    assert secret == "s3cret-token_1"


async def test_webhook_retries_with_back_off(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    receiver = Receiver(failures=2)
    async with receiver as url:
        await api.ok("setWebhook", url=url)
        await alice.send("hei")
        await asyncio.wait_for(receiver.arrived.wait(), 3)
        info = await api.ok("getWebhookInfo")
        await api.ok("deleteWebhook")
    times = [t for _, _, t in receiver.received]
    assert len(times) == 3
    assert all(u["message"]["text"] == "hei" for u, _, _ in receiver.received)
    # backoff_initial is 0.05 s in tests and doubles on each failure.
    assert times[1] - times[0] >= 0.04
    assert times[2] - times[1] >= 0.09
    assert info["last_error_message"] == (
        "Wrong response from the webhook: 500 Internal Server Error"
    )
    assert info["pending_update_count"] == 0


async def test_webhook_reply_can_call_a_method(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")

    async def handle(request: web.Request) -> web.Response:
        update = await request.json()
        chat_id = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "Moi!"})

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await api.ok("setWebhook", url=f"http://127.0.0.1:{port}/hook")
        await alice.send("hei")
        await alice.expect_message(containing="Moi!", timeout=2)
        await api.ok("deleteWebhook")
    finally:
        await runner.cleanup()


async def test_webhook_timeout(api: Api, emu: EmulatorClient):
    await emu.configure(webhook_timeout=0.1)
    alice = await emu.create_user("Alice")
    calls = 0

    async def slow(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.5)
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", slow)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await api.ok("setWebhook", url=f"http://127.0.0.1:{port}/hook")
        await alice.send("hei")
        for _ in range(50):
            info = await api.ok("getWebhookInfo")
            if "last_error_message" in info:
                break
            await asyncio.sleep(0.05)
        assert info["last_error_message"] == "Read timeout expired"
        assert info["pending_update_count"] == 1
        await api.ok("deleteWebhook", drop_pending_updates=True)
        assert (await api.ok("getWebhookInfo"))["pending_update_count"] == 0
    finally:
        await runner.cleanup()
