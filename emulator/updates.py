"""Per-bot update queues: long polling for getUpdates and webhook delivery with retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from emulator.errors import ApiError

log = logging.getLogger(__name__)

# Telegram leaves these out unless a bot lists them in allowed_updates.
OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)


@dataclass
class WebhookSettings:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    has_custom_certificate: bool = False


@dataclass
class WebhookTiming:
    """How delivery retries and waits; tests shrink these to stay fast."""

    timeout: float = 60.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0


@dataclass
class UpdateQueue:
    """Pending updates of one bot and the ways they leave it."""

    timing: WebhookTiming = field(default_factory=WebhookTiming)
    pending: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    allowed_updates: list[str] = field(default_factory=list)
    webhook: WebhookSettings | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    execute: Callable[[str, dict[str, Any]], Awaitable[Any]] | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _poller: asyncio.Future[None] | None = None
    _webhook_task: asyncio.Task[None] | None = None
    delivered: int = 0
    # Updates already handed out, so a test can have one delivered again (at-least-once).
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=1000))
    replays: list[dict[str, Any]] = field(default_factory=list)

    def allows(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in OPT_IN_UPDATES

    def push(self, kind: str, payload: dict[str, Any]) -> bool:
        """Queue an update if the bot asked for its kind; return whether it was queued."""
        if not self.allows(kind):
            return False
        self.pending.append({"update_id": self.next_update_id, kind: payload})
        self.next_update_id += 1
        self._arrived.set()
        return True

    def confirm(self, offset: int) -> None:
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    async def get_updates(
        self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK)
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(None)
        me: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._poller = me
        if allowed is not None:
            self.allowed_updates = list(allowed)
        if offset is not None:
            self.confirm(offset)
        deadline = time.monotonic() + timeout
        while not self.pending and not self.replays:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._arrived.clear()
            waiter: asyncio.Future[Any] = asyncio.ensure_future(self._arrived.wait())
            done, _ = await asyncio.wait(
                [waiter, me], timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            if me in done:
                raise ApiError(409, CONFLICT_OTHER_POLL)
            if self.webhook is not None:
                raise ApiError(409, CONFLICT_WEBHOOK)
        if me.done():
            raise ApiError(409, CONFLICT_OTHER_POLL)
        me.cancel()
        batch = self.replays[:limit]
        self.replays = self.replays[len(batch) :]
        batch += self.pending[: limit - len(batch)]
        self.delivered += len(batch)
        self.recent.extend(batch)
        return batch

    def replay(self, update_id: int | None = None) -> dict[str, Any]:
        """Deliver an update again with its own id, as Telegram may after a lost confirmation."""
        for update in reversed(self.recent):
            if update_id is None or update["update_id"] == update_id:
                self.replays.append(json.loads(json.dumps(update)))
                self._arrived.set()
                return update
        raise ApiError(400, "Bad Request: no such delivered update to replay")

    def set_webhook(
        self, settings: WebhookSettings, allowed: list[str] | None, drop_pending: bool
    ) -> None:
        self.webhook = settings
        if allowed is not None:
            self.allowed_updates = list(allowed)
        if drop_pending:
            self.pending.clear()
        self.last_error_date = self.last_error_message = None
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(None)
        self._arrived.set()
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_forever())

    async def delete_webhook(self, drop_pending: bool) -> None:
        self.webhook = None
        if drop_pending:
            self.pending.clear()
        await self.stop()

    async def stop(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": bool(self.webhook and self.webhook.has_custom_certificate),
            "pending_update_count": len(self.pending),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.ip_address:
                info["ip_address"] = self.webhook.ip_address
        if self.allowed_updates:
            info["allowed_updates"] = list(self.allowed_updates)
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    async def _deliver_forever(self) -> None:
        backoff = self.timing.backoff_initial
        timeout = aiohttp.ClientTimeout(total=self.timing.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while self.webhook is not None:
                if not self.pending:
                    self._arrived.clear()
                    await self._arrived.wait()
                    continue
                update = self.pending[0]
                settings = self.webhook
                error = await self._post(session, settings, update)
                if error is None:
                    if self.pending and self.pending[0] is update:
                        self.pending.pop(0)
                    self.delivered += 1
                    backoff = self.timing.backoff_initial
                    continue
                self.last_error_date = int(time.time())
                self.last_error_message = error
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.timing.backoff_max)

    async def _post(
        self, session: aiohttp.ClientSession, settings: WebhookSettings, update: dict[str, Any]
    ) -> str | None:
        headers = {"Content-Type": "application/json"}
        if settings.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = settings.secret_token
        try:
            async with session.post(settings.url, data=json.dumps(update), headers=headers) as r:
                body = await r.read()
                if not 200 <= r.status < 300:
                    return f"Wrong response from the webhook: {r.status} {r.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientError as exc:
            return f"Connection failed: {exc.__class__.__name__}"
        await self._run_reply(r.headers.get("Content-Type", ""), body)
        return None

    async def _run_reply(self, content_type: str, body: bytes) -> None:
        """A webhook may answer with one method call in its response body, as Telegram allows."""
        if self.execute is None or "json" not in content_type or not body:
            return
        try:
            payload = json.loads(body)
        except ValueError:
            return
        if isinstance(payload, dict) and isinstance(payload.get("method"), str):
            method = payload.pop("method")
            try:
                await self.execute(method, payload)
            except ApiError as exc:
                log.info("method %s from a webhook reply failed: %s", method, exc.description)
