"""The emulated Telegram world: accounts, chats, messages, files, polls and callback queries."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import CHAT_NOT_FOUND, QUERY_TOO_OLD, bad_request, forbidden
from emulator.updates import UpdateQueue, WebhookTiming

ACTIVE = ("creator", "administrator", "member", "restricted")
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


@dataclass
class Account:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.id,
            "is_bot": self.is_bot,
            "first_name": self.first_name,
        }
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user


@dataclass
class Person(Account):
    blocked_bots: set[int] = field(default_factory=set)


@dataclass
class BotAccount(Account):
    token: str = ""
    can_read_all_group_messages: bool = False
    registered_at: float = field(default_factory=time.monotonic)
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    menu_buttons: dict[int | None, dict[str, Any]] = field(default_factory=dict)

    def to_me(self) -> dict[str, Any]:
        me = self.to_user()
        me.pop("language_code", None)
        me.update(
            can_join_groups=True,
            can_read_all_group_messages=self.can_read_all_group_messages,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return me


@dataclass
class Member:
    status: str
    rights: dict[str, bool] = field(default_factory=dict)
    removed: bool = False  # taken out by someone else, not left on its own


@dataclass
class StoredMessage:
    chat: Chat
    message_id: int
    sender_id: int
    data: dict[str, Any]
    pinned: bool = False
    reply_keyboard: dict[str, Any] | None = None

    def to_api(self) -> dict[str, Any]:
        return dict(self.data)

    def to_view(self) -> dict[str, Any]:
        """The message as a person sees it: Bot API shape plus a few emulator extras."""
        view = {**self.data, "pinned": self.pinned}
        if self.reply_keyboard is not None:
            view["reply_keyboard"] = self.reply_keyboard
        return view


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    is_forum: bool = False
    bot_id: int | None = None  # private chats only: the bot on the other side
    user_id: int | None = None  # private chats only
    members: dict[int, Member] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    migrated_to: int | None = None
    topics: dict[int, dict[str, Any]] = field(default_factory=dict)
    created_at: float = field(default_factory=time.time)

    def active_member_ids(self) -> list[int]:
        return [uid for uid, m in self.members.items() if m.status in ACTIVE]

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    kind: str
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class PollState:
    id: str
    bot_id: int
    chat: Chat
    message_id: int
    question: str
    options: list[str]
    is_anonymous: bool
    type: str
    allows_multiple_answers: bool
    correct_option_ids: list[int] | None = None
    is_closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        counts = Counter(i for choice in self.votes.values() for i in choice)
        poll: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "options": [
                {"persistent_id": str(i), "text": text, "voter_count": counts[i]}
                for i, text in enumerate(self.options)
            ],
            "total_voter_count": sum(1 for choice in self.votes.values() if choice),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": True,
            "members_only": False,
        }
        if self.correct_option_ids is not None:
            poll["correct_option_ids"] = list(self.correct_option_ids)
        return poll


@dataclass
class CallbackState:
    id: str
    bot_id: int
    user_id: int
    created: float
    answer: asyncio.Future[dict[str, Any]]


@dataclass
class Event:
    kind: str
    chat_id: int
    audience: set[int]
    payload: dict[str, Any]


class World:
    """Everything the emulator knows; one instance per server."""

    def __init__(self, *, callback_expiry: float = 15.0, close_lockout: float = 600.0) -> None:
        self.bots: dict[str, BotAccount] = {}
        self.accounts: dict[int, Account] = {}
        self.private: dict[tuple[int, int], Chat] = {}
        self.groups: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.polls: dict[str, PollState] = {}
        self.callbacks: dict[str, CallbackState] = {}
        self.callback_expiry = callback_expiry
        self.close_lockout = close_lockout
        self.webhook_timing = WebhookTiming()
        self.webhook_http_hosts = {"localhost", "127.0.0.1", "::1"}
        self.subscribers: list[tuple[int | None, asyncio.Queue[Event]]] = []
        self.calls: Counter[str] = Counter()
        self.too_many_given = 0
        self.sent_per_chat: Counter[int] = Counter()
        self._ids = itertools.count(1_000_000_001)
        self._group_ids = itertools.count(1)
        self._changed = asyncio.Event()
        self.closing = False
        # Runs a Bot API call for a bot; the server sets it so webhook replies can call methods.
        self.executor: Callable[..., Awaitable[Any]] | None = None

    # ---- accounts -------------------------------------------------------------------------

    def add_bot(
        self, token: str, username: str, first_name: str, *, read_all_group_messages: bool = False
    ) -> BotAccount:
        bot_id = int(token.split(":", 1)[0])
        bot = BotAccount(
            id=bot_id,
            first_name=first_name,
            username=username,
            is_bot=True,
            token=token,
            can_read_all_group_messages=read_all_group_messages,
            updates=UpdateQueue(timing=self.webhook_timing),
        )
        if self.executor is not None:
            executor = self.executor
            bot.updates.execute = lambda name, params: executor(bot, name, params)
        self.bots[token] = bot
        self.accounts[bot_id] = bot
        return bot

    def add_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> Person:
        person = Person(next(self._ids), first_name, last_name, username, language_code)
        self.accounts[person.id] = person
        return person

    def person(self, user_id: int) -> Person:
        account = self.accounts.get(user_id)
        if not isinstance(account, Person):
            raise bad_request("user not found")
        return account

    def default_bot(self, bot_id: int | None = None) -> BotAccount:
        if bot_id is not None:
            account = self.accounts.get(bot_id)
            if isinstance(account, BotAccount):
                return account
            raise bad_request("bot not found")
        if not self.bots:
            raise bad_request("no bot is registered")
        return list(self.bots.values())[-1]

    # ---- chats ----------------------------------------------------------------------------

    def private_chat(self, bot: BotAccount, user: Person) -> Chat:
        key = (bot.id, user.id)
        chat = self.private.get(key)
        if chat is None:
            chat = Chat(id=user.id, type="private", bot_id=bot.id, user_id=user.id)
            chat.members = {user.id: Member("member"), bot.id: Member("member")}
            self.private[key] = chat
        return chat

    def new_group(self, title: str, *, supergroup: bool, forum: bool) -> Chat:
        n = next(self._group_ids)
        if supergroup:
            chat = Chat(id=-1_002_000_000_000 - n, type="supergroup", title=title, is_forum=forum)
        else:
            chat = Chat(id=-4_000_000_000 - n, type="group", title=title)
        self.groups[chat.id] = chat
        return chat

    def chat_for_bot(self, bot: BotAccount, chat_id: int | str, *, sending: bool = False) -> Chat:
        """Resolve chat_id as the bot sees it, with Telegram's errors for chats it can't use."""
        if isinstance(chat_id, str):
            chat_id = self._resolve_username(chat_id)
        if chat_id > 0:
            account = self.accounts.get(chat_id)
            if not isinstance(account, Person):
                raise bad_request(CHAT_NOT_FOUND)
            chat = self.private.get((bot.id, chat_id))
            if chat is None:
                if sending:
                    raise forbidden("bot can't initiate conversation with a user")
                raise bad_request(CHAT_NOT_FOUND)
            if sending and bot.id in account.blocked_bots:
                raise forbidden("bot was blocked by the user")
            return chat
        group = self.groups.get(chat_id)
        if group is None:
            raise bad_request(CHAT_NOT_FOUND)
        if group.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": group.migrated_to},
            )
        member = group.members.get(bot.id)
        if member is None or member.status not in ACTIVE:
            if member is not None and (member.status == "kicked" or member.removed):
                raise forbidden(f"bot was kicked from the {group.type} chat")
            if sending:
                raise forbidden(f"bot is not a member of the {group.type} chat")
            raise bad_request(CHAT_NOT_FOUND)
        return group

    def _resolve_username(self, name: str) -> int:
        # Only public supergroups and channels have @usernames usable as chat_id; the
        # emulator has neither, so only numeric strings resolve.
        if name.lstrip("-").isdigit():
            return int(name)
        raise bad_request(CHAT_NOT_FOUND)

    def chat_to_api(self, chat: Chat) -> dict[str, Any]:
        if chat.type == "private":
            assert chat.user_id is not None
            user = self.accounts[chat.user_id]
            data: dict[str, Any] = {
                "id": chat.id,
                "type": "private",
                "first_name": user.first_name,
            }
            if user.last_name:
                data["last_name"] = user.last_name
            if user.username:
                data["username"] = user.username
            return data
        data = {"id": chat.id, "type": chat.type, "title": chat.title}
        if chat.is_forum:
            data["is_forum"] = True
        return data

    def chat_full_info(self, chat: Chat) -> dict[str, Any]:
        info = self.chat_to_api(chat)
        info.update(
            accent_color_id=chat.id % 7,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        pinned = [m for m in chat.messages.values() if m.pinned]
        if pinned:
            info["pinned_message"] = pinned[-1].to_api()
        if chat.type != "private":
            info["permissions"] = {
                "can_send_messages": True,
                "can_send_polls": True,
                "can_invite_users": True,
                "can_pin_messages": False,
            }
        return info

    def chat_member(self, chat: Chat, user_id: int) -> dict[str, Any]:
        member = chat.members.get(user_id, Member("left"))
        account = self.accounts.get(user_id)
        if account is None:
            raise bad_request("user not found")
        return member_to_api(account, member)

    def audience(self, chat: Chat) -> set[int]:
        return {uid for uid in chat.active_member_ids() if isinstance(self.accounts[uid], Person)}

    def bots_in(self, chat: Chat) -> list[BotAccount]:
        return [
            account
            for uid in chat.active_member_ids()
            if isinstance(account := self.accounts[uid], BotAccount)
        ]

    # ---- messages -------------------------------------------------------------------------

    def store_message(
        self,
        chat: Chat,
        sender: Account,
        content: dict[str, Any],
        *,
        thread_id: int | None = None,
        reply_to: StoredMessage | None = None,
        reply_keyboard: dict[str, Any] | None = None,
    ) -> StoredMessage:
        message_id = chat.take_message_id()
        data: dict[str, Any] = {"message_id": message_id}
        if thread_id is not None:
            data["message_thread_id"] = thread_id
            data["is_topic_message"] = True
        data.update({"from": sender.to_user(), "chat": self.chat_to_api(chat)})
        data["date"] = int(time.time())
        if reply_to is not None:
            data["reply_to_message"] = reply_to.to_api()
        data.update(content)
        stored = StoredMessage(chat, message_id, sender.id, data, reply_keyboard=reply_keyboard)
        chat.messages[message_id] = stored
        self.publish("message", chat, stored.to_view())
        return stored

    def message(self, chat: Chat, message_id: int) -> StoredMessage | None:
        return chat.messages.get(message_id)

    # ---- files ----------------------------------------------------------------------------

    def store_file(
        self, data: bytes, *, kind: str, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        digest = hashlib.sha256(data).hexdigest()
        prefix = {"photo": "AgAC", "document": "BQAC"}.get(kind, "CAAC")
        file_id = prefix + secrets.token_urlsafe(48)
        unique = "AQAD" + digest[:16]
        suffix = (file_name or "").rpartition(".")[2] if file_name and "." in file_name else "bin"
        folder = "photos" if kind == "photo" else "documents"
        path = f"{folder}/file_{len(self.files)}.{'jpg' if kind == 'photo' else suffix}"
        stored = StoredFile(file_id, unique, data, path, kind, file_name, mime_type)
        self.files[file_id] = stored
        self.files_by_path[path] = stored
        return stored

    # ---- updates and events ---------------------------------------------------------------

    def deliver(self, bot: BotAccount, kind: str, payload: dict[str, Any]) -> None:
        bot.updates.push(kind, payload)
        self.notify()

    def publish(self, kind: str, chat: Chat, payload: dict[str, Any]) -> None:
        event = Event(kind, chat.id, self.audience(chat), payload)
        for user_id, queue in self.subscribers:
            if user_id is None or user_id in event.audience:
                queue.put_nowait(event)
        self.notify()

    def publish_to(self, user_id: int, kind: str, payload: dict[str, Any]) -> None:
        event = Event(kind, user_id, {user_id}, payload)
        for subscriber, queue in self.subscribers:
            if subscriber in (None, user_id):
                queue.put_nowait(event)
        self.notify()

    def end_streams(self) -> None:
        """Wake every event stream so it sees `closing` and ends."""
        for _, queue in self.subscribers:
            queue.put_nowait(Event("closing", 0, set(), {}))

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_change(self, timeout: float) -> None:
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)

    def callback_query(self, query_id: str) -> CallbackState:
        state = self.callbacks.get(query_id)
        if state is None or state.answer.done():
            raise bad_request(QUERY_TOO_OLD)
        if time.monotonic() - state.created > self.callback_expiry:
            state.answer.cancel()
            raise bad_request(QUERY_TOO_OLD)
        return state


def member_to_api(account: Account, member: Member) -> dict[str, Any]:
    data: dict[str, Any] = {"status": member.status, "user": account.to_user()}
    if member.status == "creator":
        data["is_anonymous"] = False
    elif member.status == "administrator":
        data.update({"can_be_edited": False, "is_anonymous": False})
        data.update({right: member.rights.get(right, True) for right in ADMIN_RIGHTS})
        data["can_pin_messages"] = member.rights.get("can_pin_messages", True)
        data["can_manage_topics"] = member.rights.get("can_manage_topics", True)
        data["can_send_welcome_messages"] = member.rights.get("can_send_welcome_messages", True)
    elif member.status == "kicked":
        data["until_date"] = 0
    return data
