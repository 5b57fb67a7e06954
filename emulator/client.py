"""A small Python client of the control API that reads like a person's actions."""

from __future__ import annotations

import asyncio
import base64
import io
import json as json_module
from collections.abc import Callable
from typing import Any

import aiohttp

Message = dict[str, Any]

# How long expect_*, press and wait_until wait for the bot unless told: a guard against a
# hang, not a measure. A harness on a busy machine, or one keeping Telegram's pace, may raise it.
WAIT = 5.0


class EmulatorError(Exception):
    """The control API refused a request."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


def text_of(message: Message) -> str:
    """What a person reads: the text, else the caption, else an empty string."""
    return str(message.get("text") or message.get("caption") or "")


def buttons(message: Message) -> list[list[str]]:
    """Inline button texts, row by row."""
    markup = message.get("reply_markup") or {}
    return [[button["text"] for button in row] for row in markup.get("inline_keyboard", [])]


class EmulatorClient:
    """Drives an emulator over HTTP, through /_emulator/ only."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self.bot_id: int | None = None

    async def _request(
        self, verb: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        url = f"{self.base_url}/_emulator{path}"
        # A stream keeps aiohttp from warning about large uploaded documents.
        data = io.BytesIO(json_module.dumps(json).encode()) if json is not None else None
        headers = {"Content-Type": "application/json"} if json is not None else None
        async with self._session.request(
            verb, url, data=data, headers=headers, params=query
        ) as response:
            if response.content_type != "application/json":
                if response.status != 200:
                    raise EmulatorError(response.status, await response.text())
                return await response.read()
            body = await response.json()
        if not body.get("ok"):
            raise EmulatorError(body.get("error_code", 500), body.get("description", ""))
        return body["result"]

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return await self._request("POST", path, json=body or {})

    async def get(self, path: str, **params: Any) -> Any:
        return await self._request("GET", path, params=params)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ---- setting up the world ---------------------------------------------------------------

    async def create_bot(
        self,
        token: str,
        username: str = "emulator_bot",
        first_name: str = "Bot",
        *,
        can_read_all_group_messages: bool = False,
    ) -> dict[str, Any]:
        me = await self.post(
            "/bots",
            {
                "token": token,
                "username": username,
                "first_name": first_name,
                "can_read_all_group_messages": can_read_all_group_messages,
            },
        )
        # People talk to the bot registered last, so a test's own bot wins over a fixture's.
        self.bot_id = int(me["id"])
        return dict(me)

    async def create_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> User:
        data = await self.post(
            "/users",
            {
                "first_name": first_name,
                "last_name": last_name,
                "username": username,
                "language_code": language_code,
            },
        )
        return User(self, data)

    async def create_group(
        self,
        title: str,
        members: list[User] | None = None,
        *,
        supergroup: bool = False,
        forum: bool = False,
    ) -> Group:
        data = await self.post(
            "/groups",
            {
                "title": title,
                "member_ids": [m.id for m in members or []],
                "supergroup": supergroup,
                "forum": forum,
            },
        )
        return Group(self, data)

    async def users(self) -> list[dict[str, Any]]:
        return list(await self.get("/users"))

    async def chats(self, user: User | None = None) -> list[dict[str, Any]]:
        return list(await self.get("/chats", user_id=user.id if user else None))

    async def bots(self) -> list[dict[str, Any]]:
        return list(await self.get("/bots"))

    # ---- faults, limits, inspection ---------------------------------------------------------

    async def set_rate_limits(self, enabled: bool = True, **settings: Any) -> None:
        await self.post("/rate_limits", {"enabled": enabled, **settings})

    async def inject_faults(
        self,
        status_5xx_rate: float = 0.0,
        too_many_rate: float = 0.0,
        delay: float = 0.0,
        drop_rate: float = 0.0,
        methods: list[str] | None = None,
        *,
        retry_after: int = 1,
        status_5xx_burst: int = 0,
        seed: int | None = None,
    ) -> None:
        """Make matching Bot API calls fail: rates are probabilities per call (0..1)."""
        await self.post(
            "/faults",
            {
                "status_5xx_rate": status_5xx_rate,
                "too_many_rate": too_many_rate,
                "delay": delay,
                "drop_rate": drop_rate,
                "methods": methods,
                "retry_after": retry_after,
                "status_5xx_burst": status_5xx_burst,
                "seed": seed,
            },
        )

    async def reset_faults(self) -> None:
        await self._request("DELETE", "/faults")

    async def configure(self, **settings: float) -> None:
        """Shorten timings: webhook_timeout, webhook_backoff_initial, webhook_backoff_max,
        callback_expiry, close_lockout (seconds)."""
        await self.post("/config", dict(settings))

    async def download(self, file_id: str) -> bytes:
        data = await self._request("GET", f"/files/{file_id}")
        return bytes(data)

    async def poll(self, poll_id: str) -> dict[str, Any]:
        return dict(await self.get(f"/polls/{poll_id}"))

    async def replay(self, update_id: int | None = None) -> dict[str, Any]:
        """Have the bot receive an update again, same id: Telegram delivers at least once."""
        body: dict[str, Any] = {"bot_id": self.bot_id, "update_id": update_id}
        return dict(await self.post("/replay", body))

    async def stats(self) -> dict[str, Any]:
        return dict(await self.get("/stats"))


class _Conversation:
    """Reading a chat's new bot messages in order, shared by users and groups."""

    _cursor: dict[int, int]

    async def _expect(
        self,
        user: User,
        chat_id: int | None,
        containing: str | None,
        matching: Callable[[Message], bool] | None,
        timeout: float | None,
    ) -> Message:
        timeout = WAIT if timeout is None else timeout
        key = chat_id or 0
        message = await user.client.get(
            f"/users/{user.id}/next_message",
            chat_id=chat_id,
            bot_id=user.client.bot_id,
            after=self._cursor.get(key, 0),
            timeout=timeout,
        )
        if message is None:
            where = chat_id or "private"
            raise AssertionError(f"no bot message within {timeout} s in chat {where}")
        self._cursor[key] = message["message_id"]
        if containing is not None and containing not in text_of(message):
            raise AssertionError(
                f"expected {containing!r} in the bot's message: {text_of(message)!r}"
            )
        if matching is not None and not matching(message):
            raise AssertionError(f"bot message did not match: {message!r}")
        return dict(message)

    async def _expect_none(self, user: User, chat_id: int | None, within: float) -> None:
        message = await user.client.get(
            f"/users/{user.id}/next_message",
            chat_id=chat_id,
            bot_id=user.client.bot_id,
            after=self._cursor.get(chat_id or 0, 0),
            timeout=within,
        )
        if message is not None:
            raise AssertionError(f"unexpected bot message: {text_of(message)!r}")


class User(_Conversation):
    """A person in the emulated Telegram."""

    def __init__(self, client: EmulatorClient, data: dict[str, Any]) -> None:
        self.client = client
        self.data = data
        self.id: int = data["id"]
        self.first_name: str = data["first_name"]
        self.username: str | None = data.get("username")
        self._cursor = {}

    def __repr__(self) -> str:
        return f"User({self.first_name!r}, id={self.id})"

    def _chat_body(self, chat: Group | None) -> dict[str, Any]:
        return {"chat_id": chat.id if chat else None, "bot_id": self.client.bot_id}

    async def send(
        self,
        text: str,
        chat: Group | None = None,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> Message:
        body = {
            **self._chat_body(chat),
            "text": text,
            "thread_id": thread_id,
            "reply_to": reply_to,
        }
        return dict(await self.client.post(f"/users/{self.id}/send", body))

    async def send_document(
        self,
        file_name: str,
        data: bytes,
        caption: str | None = None,
        chat: Group | None = None,
        *,
        mime_type: str | None = None,
    ) -> Message:
        body = {
            **self._chat_body(chat),
            "file_name": file_name,
            "data_base64": base64.b64encode(data).decode(),
            "caption": caption,
            "mime_type": mime_type,
        }
        return dict(await self.client.post(f"/users/{self.id}/send_document", body))

    async def send_photo(
        self, data: bytes, caption: str | None = None, chat: Group | None = None
    ) -> Message:
        body = {
            **self._chat_body(chat),
            "data_base64": base64.b64encode(data).decode(),
            "caption": caption,
        }
        return dict(await self.client.post(f"/users/{self.id}/send_photo", body))

    async def expect_message(
        self,
        containing: str | None = None,
        *,
        matching: Callable[[Message], bool] | None = None,
        timeout: float | None = None,
        chat: Group | None = None,
    ) -> Message:
        """The next bot message in the chat not yet seen by expect_*; assert it fits."""
        chat_id = chat.id if chat else None
        return await self._expect(self, chat_id, containing, matching, timeout)

    async def expect_no_message(self, within: float = 0.5, *, chat: Group | None = None) -> None:
        await self._expect_none(self, chat.id if chat else None, within)

    async def expect_edit(
        self,
        message: Message,
        containing: str | None = None,
        *,
        matching: Callable[[Message], bool] | None = None,
        timeout: float | None = None,
    ) -> Message:
        """Wait until the bot changes `message` (edit, new keyboard, poll votes); return it."""
        timeout = WAIT if timeout is None else timeout
        chat_id = message["chat"]["id"]
        chat = _ChatRef(chat_id) if chat_id < 0 else None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        current: Message | None = message
        while loop.time() < deadline:
            history = await self.history(chat)
            current = next((m for m in history if m["message_id"] == message["message_id"]), None)
            if current is None:
                raise AssertionError(f"message {message['message_id']} was deleted")
            if _content(current) != _content(message):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"message {message['message_id']} was not edited in {timeout} s")
        if containing is not None and containing not in text_of(current):
            raise AssertionError(f"expected {containing!r} in the edit: {text_of(current)!r}")
        if matching is not None and not matching(current):
            raise AssertionError(f"edited message did not match: {current!r}")
        return current

    async def history(self, chat: Group | _ChatRef | None = None) -> list[Message]:
        """The chat as this person sees it now (edits applied, deletions gone), oldest first."""
        return list(
            await self.client.get(
                f"/users/{self.id}/history",
                chat_id=chat.id if chat else None,
                bot_id=self.client.bot_id,
            )
        )

    async def commands(self, chat: Group | None = None) -> list[dict[str, str]]:
        """The command menu this person sees in a chat (Telegram's scope order)."""
        return list(
            await self.client.get(
                f"/users/{self.id}/commands",
                chat_id=chat.id if chat else None,
                bot_id=self.client.bot_id,
            )
        )

    async def press(
        self,
        text: str,
        message: Message | None = None,
        *,
        chat: Group | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Press the inline button with this text; return the bot's callback answer."""
        if message is None:
            history = await self.history(chat)
            message = next(
                (m for m in reversed(history) if any(text in row for row in buttons(m))), None
            )
            if message is None:
                raise AssertionError(f"no message in the chat has a button {text!r}")
        return await self._press(message, {"text": text}, timeout)

    async def press_data(
        self, message: Message, callback_data: str, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send a callback query with arbitrary (possibly forged) data."""
        return await self._press(message, {"data": callback_data}, timeout)

    async def _press(
        self, message: Message, choice: dict[str, Any], timeout: float | None
    ) -> dict[str, Any]:
        timeout = WAIT if timeout is None else timeout
        chat_id = message["chat"]["id"]
        answer = await self.client.post(
            f"/users/{self.id}/press",
            {
                "chat_id": chat_id if chat_id < 0 else None,
                "bot_id": self.client.bot_id,
                "message_id": message["message_id"],
                "timeout": timeout,
                **choice,
            },
        )
        if not answer.pop("answered"):
            raise AssertionError(f"the bot did not answer the callback query within {timeout} s")
        if answer.get("url") is None:
            answer.pop("url", None)
        return dict(answer)

    async def answer_poll(self, poll_message: Message, option_ids: list[int]) -> None:
        await self.client.post(
            f"/users/{self.id}/answer_poll",
            {"poll_id": poll_message["poll"]["id"], "option_ids": option_ids},
        )

    async def join(self, group: Group) -> None:
        await self.client.post(f"/groups/{group.id}/join", {"user_id": self.id})

    async def leave(self, group: Group) -> None:
        await self.client.post(f"/groups/{group.id}/leave", {"user_id": self.id})

    async def block_bot(self) -> None:
        await self.client.post(f"/users/{self.id}/block", {"bot_id": self.client.bot_id})

    async def unblock_bot(self) -> None:
        await self.client.post(f"/users/{self.id}/unblock", {"bot_id": self.client.bot_id})


class Group(_Conversation):
    """A group or supergroup; `id` follows an upgrade to a supergroup."""

    def __init__(self, client: EmulatorClient, data: dict[str, Any]) -> None:
        self.client = client
        self.data = data
        self.id: int = data["id"]
        self.title: str = data["title"]
        self._cursor = {}
        self._observer: User | None = None

    def __repr__(self) -> str:
        return f"Group({self.title!r}, id={self.id})"

    async def add_bot(self, by: User, admin: bool = False) -> None:
        self._observer = self._observer or by
        await self.client.post(
            f"/groups/{self.id}/bot",
            {"by": by.id, "admin": admin, "action": "add", "bot_id": self.client.bot_id},
        )

    async def remove_bot(self, by: User) -> None:
        await self.client.post(
            f"/groups/{self.id}/bot",
            {"by": by.id, "action": "remove", "bot_id": self.client.bot_id},
        )

    async def upgrade(self, by: User) -> None:
        data = await self.client.post(f"/groups/{self.id}/upgrade", {"by": by.id})
        self.data = data
        self.id = data["id"]
        self._cursor = {}

    async def _member(self) -> User:
        if self._observer is None:
            for chat_user in await self.client.users():
                user = User(self.client, chat_user)
                try:
                    await user.history(self)
                except EmulatorError:
                    continue
                self._observer = user
                break
            else:
                raise AssertionError("nobody is in the group to read it")
        return self._observer

    async def expect_message(
        self,
        containing: str | None = None,
        *,
        matching: Callable[[Message], bool] | None = None,
        timeout: float | None = None,
    ) -> Message:
        return await self._expect(await self._member(), self.id, containing, matching, timeout)

    async def expect_no_message(self, within: float = 0.5) -> None:
        await self._expect_none(await self._member(), self.id, within)

    async def history(self) -> list[Message]:
        return await (await self._member()).history(self)


class _ChatRef:
    """Just enough of a Group to address a chat by id."""

    def __init__(self, chat_id: int) -> None:
        self.id = chat_id


def _content(message: Message) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in ("pinned", "edit_date")}


async def wait_until(condition: Callable[[], Any], timeout: float | None = None) -> None:
    """Poll a condition (sync or async) until it holds; for tests."""
    timeout = WAIT if timeout is None else timeout
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
