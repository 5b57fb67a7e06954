"""The control API under /_emulator/: people's actions, inspection, faults and the event stream."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator import actions
from emulator.errors import ApiError, bad_request
from emulator.methods import photo_sizes
from emulator.state import ACTIVE, BotAccount, Chat, Event, Person, StoredMessage, World

if TYPE_CHECKING:
    from emulator.server import EmulatorServer

Route = Callable[[web.Request], Awaitable[Any]]

WEB_DIR = Path(__file__).parent / "web"
WEB_FILES = ("index.html", "app.js", "style.css")


def setup(app: web.Application, server: EmulatorServer) -> None:
    api = ControlApi(server)
    routes: list[tuple[str, str, Route]] = [
        ("POST", "/bots", api.create_bot),
        ("GET", "/bots", api.list_bots),
        ("GET", "/users", api.list_users),
        ("POST", "/users", api.create_user),
        ("POST", "/groups", api.create_group),
        ("POST", "/groups/{chat_id}/bot", api.group_bot),
        ("POST", "/groups/{chat_id}/upgrade", api.upgrade),
        ("POST", "/groups/{chat_id}/join", api.join),
        ("POST", "/groups/{chat_id}/leave", api.leave),
        ("GET", "/chats", api.list_chats),
        ("POST", "/users/{user_id}/send", api.send),
        ("POST", "/users/{user_id}/send_document", api.send_document),
        ("POST", "/users/{user_id}/send_photo", api.send_photo),
        ("POST", "/users/{user_id}/press", api.press),
        ("POST", "/users/{user_id}/answer_poll", api.answer_poll),
        ("POST", "/users/{user_id}/block", api.block),
        ("POST", "/users/{user_id}/unblock", api.unblock),
        ("GET", "/users/{user_id}/history", api.history),
        ("GET", "/users/{user_id}/next_message", api.next_message),
        ("GET", "/users/{user_id}/commands", api.commands),
        ("GET", "/polls/{poll_id}", api.poll),
        ("GET", "/files/{file_id}", api.file),
        ("POST", "/faults", api.set_faults),
        ("DELETE", "/faults", api.reset_faults),
        ("POST", "/rate_limits", api.set_rate_limits),
        ("POST", "/config", api.set_config),
        ("GET", "/stats", api.stats),
        ("POST", "/replay", api.replay),
    ]
    for verb, path, handler in routes:
        app.router.add_route(verb, "/_emulator" + path, _wrap(handler))
    app.router.add_get("/_emulator/events", api.events)
    app.router.add_get("/", browser_chat)
    app.router.add_get("/_emulator/web/{name}", web_file)


async def browser_chat(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def web_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in WEB_FILES:
        raise web.HTTPNotFound()
    return web.FileResponse(WEB_DIR / name, headers={"Cache-Control": "no-cache"})


def _wrap(handler: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def route(request: web.Request) -> web.StreamResponse:
        try:
            result = await handler(request)
        except ApiError as error:
            return web.json_response(error.envelope(), status=error.code)
        except (KeyError, ValueError, TypeError) as exc:
            invalid = bad_request(f"invalid control request: {exc!r}")
            return web.json_response(invalid.envelope(), status=400)
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response({"ok": True, "result": result})

    return route


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise bad_request("control requests take a JSON object")
    return body


def _int(value: Any) -> int:
    return int(value)


class ControlApi:
    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.world: World = server.state

    # ---- lookups ----------------------------------------------------------------------------

    def _user(self, request: web.Request) -> Person:
        return self.world.person(_int(request.match_info["user_id"]))

    def _group(self, chat_id: Any) -> Chat:
        chat = self.world.groups.get(_int(chat_id))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _chat_for(self, user: Person, body: dict[str, Any]) -> Chat:
        """The chat a person acts in: a group by chat_id, or the private chat with a bot."""
        chat_id = body.get("chat_id")
        if chat_id is not None and _int(chat_id) < 0:
            chat = self._group(chat_id)
            while chat.migrated_to is not None and body.get("follow_migration", True):
                chat = self._group(chat.migrated_to)
            return chat
        bot = self.world.default_bot(_opt_int(body.get("bot_id")))
        return self.world.private_chat(bot, user)

    def _find_chat(self, user: Person, query: Any) -> Chat | None:
        """The chat a person reads; None for a private chat that has not started yet.

        Reading never starts a private chat: that would let the bot write first.
        """
        chat_id = query.get("chat_id")
        if chat_id is not None and _int(chat_id) < 0:
            chat = self._group(chat_id)
            if user.id not in chat.members:
                raise bad_request("user is not in the chat")
            return chat
        bot = self.world.default_bot(_opt_int(query.get("bot_id")))
        return self.world.private.get((bot.id, user.id))

    def _existing_chat_for(self, user: Person, query: Any) -> Chat:
        chat = self._find_chat(user, query)
        if chat is None:
            raise bad_request("the user has no chat with the bot yet")
        return chat

    # ---- accounts and groups ----------------------------------------------------------------

    async def create_bot(self, request: web.Request) -> Any:
        body = await _body(request)
        token = body["token"]
        if ":" not in token or not token.split(":", 1)[0].isdigit():
            raise bad_request("token must look like 123456:ABC")
        bot = self.server.add_bot(
            token,
            body.get("username", "emulator_bot"),
            body.get("first_name", "Bot"),
            read_all_group_messages=bool(body.get("can_read_all_group_messages", False)),
        )
        return bot.to_me()

    async def list_bots(self, request: web.Request) -> Any:
        return [bot.to_me() for bot in self.world.bots.values()]

    async def create_user(self, request: web.Request) -> Any:
        body = await _body(request)
        person = self.world.add_user(
            body["first_name"],
            body.get("last_name"),
            body.get("username"),
            body.get("language_code"),
        )
        return person.to_user()

    async def list_users(self, request: web.Request) -> Any:
        return [a.to_user() for a in self.world.accounts.values() if isinstance(a, Person)]

    async def create_group(self, request: web.Request) -> Any:
        body = await _body(request)
        members = [self.world.person(_int(uid)) for uid in body.get("member_ids", [])]
        chat = self.world.new_group(
            body["title"],
            supergroup=bool(body.get("supergroup") or body.get("forum")),
            forum=bool(body.get("forum")),
        )
        for i, person in enumerate(members):
            chat.members[person.id] = actions.Member("creator" if i == 0 else "member")
        return self.world.chat_to_api(chat)

    async def group_bot(self, request: web.Request) -> Any:
        body = await _body(request)
        chat = self._group(request.match_info["chat_id"])
        by = self.world.person(_int(body["by"]))
        bot = self.world.default_bot(_opt_int(body.get("bot_id")))
        action = body.get("action", "add")
        if action == "add":
            status = "administrator" if body.get("admin") else "member"
            actions.change_bot_status(self.world, chat, bot, status, by=by)
        elif action == "remove":
            # Removing from a supergroup bans; from a basic group it only takes out.
            status = "kicked" if chat.type == "supergroup" else "left"
            actions.change_bot_status(self.world, chat, bot, status, by=by)
        else:
            raise bad_request(f"unknown action {action}")
        return True

    async def upgrade(self, request: web.Request) -> Any:
        body = await _body(request)
        chat = self._group(request.match_info["chat_id"])
        new = actions.upgrade(self.world, chat, self.world.person(_int(body["by"])))
        return self.world.chat_to_api(new)

    async def join(self, request: web.Request) -> Any:
        body = await _body(request)
        actions.join(
            self.world,
            self.world.person(_int(body["user_id"])),
            self._group(request.match_info["chat_id"]),
        )
        return True

    async def leave(self, request: web.Request) -> Any:
        body = await _body(request)
        actions.leave(
            self.world,
            self.world.person(_int(body["user_id"])),
            self._group(request.match_info["chat_id"]),
        )
        return True

    async def list_chats(self, request: web.Request) -> Any:
        user_id = _opt_int(request.query.get("user_id"))
        chats = []
        for (bot_id, uid), chat in self.world.private.items():
            if user_id is None or uid == user_id:
                chats.append({**self.world.chat_to_api(chat), "bot_id": bot_id})
        for chat in self.world.groups.values():
            if user_id is None or chat.members.get(user_id, actions.Member("left")).status in (
                ACTIVE
            ):
                chats.append({**self.world.chat_to_api(chat), "migrated_to": chat.migrated_to})
        return chats

    # ---- a person's actions -----------------------------------------------------------------

    async def send(self, request: web.Request) -> Any:
        body = await _body(request)
        user = self._user(request)
        chat = self._chat_for(user, body)
        message = actions.user_sends(
            self.world,
            user,
            chat,
            actions.text_content(body["text"]),
            thread_id=_opt_int(body.get("thread_id")),
            reply_to=_opt_int(body.get("reply_to")),
        )
        return message.to_view()

    async def send_document(self, request: web.Request) -> Any:
        body = await _body(request)
        user = self._user(request)
        chat = self._chat_for(user, body)
        data = base64.b64decode(body["data_base64"])
        stored = self.world.store_file(
            data,
            kind="document",
            file_name=body.get("file_name"),
            mime_type=body.get("mime_type") or "application/octet-stream",
        )
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
            "mime_type": stored.mime_type,
        }
        if stored.file_name:
            document["file_name"] = stored.file_name
        content: dict[str, Any] = {"document": document}
        if body.get("caption"):
            content["caption"] = body["caption"]
        message = actions.user_sends(
            self.world, user, chat, content, thread_id=_opt_int(body.get("thread_id"))
        )
        return message.to_view()

    async def send_photo(self, request: web.Request) -> Any:
        body = await _body(request)
        user = self._user(request)
        chat = self._chat_for(user, body)
        data = base64.b64decode(body["data_base64"])
        stored = self.world.store_file(data, kind="photo", file_name=None, mime_type="image/jpeg")
        content: dict[str, Any] = {"photo": photo_sizes(stored)}
        if body.get("caption"):
            content["caption"] = body["caption"]
        message = actions.user_sends(
            self.world, user, chat, content, thread_id=_opt_int(body.get("thread_id"))
        )
        return message.to_view()

    async def press(self, request: web.Request) -> Any:
        body = await _body(request)
        user = self._user(request)
        chat = self._existing_chat_for(user, body)
        answer = await actions.press(
            self.world,
            user,
            chat,
            _int(body["message_id"]),
            body.get("data"),
            button_text=body.get("text"),
            timeout=float(body.get("timeout", 5.0)),
        )
        return {"answered": answer is not None, **(answer or {})}

    async def answer_poll(self, request: web.Request) -> Any:
        body = await _body(request)
        user = self._user(request)
        poll_id = body.get("poll_id")
        if poll_id is None:
            chat = self._existing_chat_for(user, body)
            message = chat.messages.get(_int(body["message_id"]))
            if message is None or "poll" not in message.data:
                raise bad_request("message with poll not found")
            poll_id = message.data["poll"]["id"]
        actions.answer_poll(self.world, user, str(poll_id), [int(i) for i in body["option_ids"]])
        return True

    async def block(self, request: web.Request) -> Any:
        body = await _body(request)
        bot = self.world.default_bot(_opt_int(body.get("bot_id")))
        actions.block(self.world, self._user(request), bot)
        return True

    async def unblock(self, request: web.Request) -> Any:
        body = await _body(request)
        bot = self.world.default_bot(_opt_int(body.get("bot_id")))
        actions.unblock(self.world, self._user(request), bot)
        return True

    # ---- what a person sees -------------------------------------------------------------------

    async def history(self, request: web.Request) -> Any:
        chat = self._find_chat(self._user(request), request.query)
        return [m.to_view() for m in chat.messages.values()] if chat else []

    async def next_message(self, request: web.Request) -> Any:
        """The first bot message after message_id `after`, waiting up to `timeout` seconds."""
        user = self._user(request)
        after = _int(request.query.get("after", 0))
        timeout = float(request.query.get("timeout", 0))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            chat = self._find_chat(user, request.query)
            found = self._first_bot_message(chat, after) if chat else None
            remaining = deadline - loop.time()
            if found is not None or remaining <= 0 or self.world.closing:
                return found.to_view() if found else None
            await self.world.wait_change(remaining)

    async def commands(self, request: web.Request) -> Any:
        """The command menu a person sees in a chat, resolved through Telegram's scope order."""
        user = self._user(request)
        chat_id = request.query.get("chat_id")
        bot = self.world.default_bot(_opt_int(request.query.get("bot_id")))
        if chat_id is None or _int(chat_id) > 0:
            scopes: list[dict[str, Any]] = [
                {"type": "chat", "chat_id": user.id},
                {"type": "all_private_chats"},
            ]
        else:
            chat = self._group(chat_id)
            admin = chat.members.get(user.id, actions.Member("left")).status in (
                "creator",
                "administrator",
            )
            scopes = [{"type": "chat_member", "chat_id": chat.id, "user_id": user.id}]
            if admin:
                scopes.append({"type": "chat_administrators", "chat_id": chat.id})
            scopes.append({"type": "chat", "chat_id": chat.id})
            if admin:
                scopes.append({"type": "all_chat_administrators"})
            scopes.append({"type": "all_group_chats"})
        scopes.append({"type": "default"})
        for scope in scopes:
            for language in (user.language_code or "", ""):
                found = bot.commands.get((json.dumps(scope, sort_keys=True), language))
                if found:
                    return found
        return []

    def _first_bot_message(self, chat: Chat, after: int) -> StoredMessage | None:
        # Messages are stored in id order, so the first match is the next one.
        for message_id, message in chat.messages.items():
            if message_id > after and isinstance(
                self.world.accounts.get(message.sender_id), BotAccount
            ):
                return message
        return None

    async def poll(self, request: web.Request) -> Any:
        poll = self.world.polls.get(request.match_info["poll_id"])
        if poll is None:
            raise bad_request("poll not found")
        return {**poll.to_api(), "votes": {str(k): v for k, v in poll.votes.items()}}

    async def file(self, request: web.Request) -> Any:
        stored = self.world.files.get(request.match_info["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return web.Response(body=stored.data, content_type="application/octet-stream")

    # ---- faults, limits, config, stats ------------------------------------------------------

    async def set_faults(self, request: web.Request) -> Any:
        body = await _body(request)
        self.server.faults.configure(**body)
        return True

    async def reset_faults(self, request: web.Request) -> Any:
        self.server.faults.reset()
        return True

    async def set_rate_limits(self, request: web.Request) -> Any:
        body = await _body(request)
        limits = self.server.rate_limits
        limits.enabled = bool(body.get("enabled", True))
        for key in ("global_per_second", "chat_burst", "chat_period", "group_per_minute"):
            if key in body:
                setattr(limits, key, body[key])
        limits.reset()
        return True

    async def set_config(self, request: web.Request) -> Any:
        body = await _body(request)
        timing = self.world.webhook_timing
        for key in ("timeout", "backoff_initial", "backoff_max"):
            if f"webhook_{key}" in body:
                setattr(timing, key, float(body[f"webhook_{key}"]))
        if "callback_expiry" in body:
            self.world.callback_expiry = float(body["callback_expiry"])
        if "close_lockout" in body:
            self.world.close_lockout = float(body["close_lockout"])
        return True

    async def replay(self, request: web.Request) -> Any:
        """Deliver an already delivered update again (the last one, or `update_id`)."""
        body = await _body(request)
        bot = self.world.default_bot(_opt_int(body.get("bot_id")))
        return bot.updates.replay(_opt_int(body.get("update_id")))

    async def stats(self, request: web.Request) -> Any:
        return {
            "calls": dict(self.world.calls),
            "too_many_requests": self.world.too_many_given,
            "messages_per_chat": {str(k): v for k, v in self.world.sent_per_chat.items()},
            "pending_updates": {
                bot.username: len(bot.updates.pending) for bot in self.world.bots.values()
            },
        }

    # ---- event stream -----------------------------------------------------------------------

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-Sent Events of what a person would see change (all people if no user_id)."""
        user_id = _opt_int(request.query.get("user_id"))
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        queue: asyncio.Queue[Event] = asyncio.Queue()
        entry = (user_id, queue)
        self.world.subscribers.append(entry)
        try:
            await response.write(b": connected\n\n")
            while not self.world.closing:
                try:
                    event = await asyncio.wait_for(queue.get(), 15.0)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if event.kind == "closing":
                    break
                data = json.dumps({"chat_id": event.chat_id, **event.payload})
                await response.write(f"event: {event.kind}\ndata: {data}\n\n".encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(ValueError):
                self.world.subscribers.remove(entry)
        return response


def _opt_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)
