"""What people do in the emulated Telegram: write, press buttons, vote, join, block the bot."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from typing import Any

from emulator.errors import bad_request
from emulator.formatting import utf16_len
from emulator.state import (
    ACTIVE,
    Account,
    BotAccount,
    CallbackState,
    Chat,
    Member,
    Person,
    StoredMessage,
    World,
    member_to_api,
)

_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<!\w)@[A-Za-z0-9_]{5,32}")
_URL_RE = re.compile(r"https?://[^\s<>\"]+")


def text_content(text: str) -> dict[str, Any]:
    """A person's text as Telegram delivers it: commands, mentions and links marked."""
    if not text or utf16_len(text) > 4096:
        raise bad_request("message text must be 1-4096 characters")
    entities = []
    for regex, kind in ((_COMMAND_RE, "bot_command"), (_MENTION_RE, "mention"), (_URL_RE, "url")):
        for match in regex.finditer(text):
            entities.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group(0)),
                }
            )
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = sorted(entities, key=lambda e: e["offset"])
    return content


def user_sends(
    world: World,
    user: Person,
    chat: Chat,
    content: dict[str, Any],
    *,
    thread_id: int | None = None,
    reply_to: int | None = None,
) -> StoredMessage:
    if chat.type == "private":
        assert chat.bot_id is not None
        bot = world.accounts[chat.bot_id]
        assert isinstance(bot, BotAccount)
        if bot.id in user.blocked_bots:
            # Writing to a blocked bot (for example pressing Restart) unblocks it.
            unblock(world, user, bot)
    elif chat.members.get(user.id, Member("left")).status not in ACTIVE:
        raise bad_request("user is not a member of the chat")
    elif chat.migrated_to is not None:
        raise bad_request("group chat was upgraded to a supergroup chat")
    if thread_id is not None and thread_id not in chat.topics:
        raise bad_request("message thread not found")
    replied = chat.messages.get(reply_to) if reply_to is not None else None
    if reply_to is not None and replied is None:
        raise bad_request("message to be replied not found")
    message = world.store_message(chat, user, content, thread_id=thread_id, reply_to=replied)
    for bot in _recipients(world, chat, message):
        world.deliver(bot, "message", message.to_api())
    return message


def _recipients(world: World, chat: Chat, message: StoredMessage) -> list[BotAccount]:
    if chat.type == "private":
        bot = world.accounts[chat.bot_id or 0]
        return [bot] if isinstance(bot, BotAccount) else []
    return [bot for bot in world.bots_in(chat) if _bot_sees(chat, bot, message)]


def _bot_sees(chat: Chat, bot: BotAccount, message: StoredMessage) -> bool:
    """Privacy mode: without it or admin rights a bot sees commands, replies and mentions."""
    if bot.can_read_all_group_messages or chat.members[bot.id].status == "administrator":
        return True
    data = message.data
    if "text" not in data and "caption" not in data:
        return True
    text = data.get("text") or data.get("caption") or ""
    if text.startswith("/") or f"@{bot.username}".lower() in text.lower():
        return True
    replied = data.get("reply_to_message")
    return bool(replied and replied.get("from", {}).get("id") == bot.id)


async def press(
    world: World,
    user: Person,
    chat: Chat,
    message_id: int,
    data: str | None,
    *,
    button_text: str | None = None,
    timeout: float = 5.0,
) -> dict[str, Any] | None:
    """Press an inline button; return the bot's answer, or None if it never answered."""
    message = chat.messages.get(message_id)
    if message is None:
        raise bad_request("message not found")
    bot = world.accounts.get(message.sender_id)
    if not isinstance(bot, BotAccount):
        raise bad_request("message is not from a bot")
    if button_text is not None:
        buttons = [
            b
            for row in (message.data.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
            if b["text"] == button_text
        ]
        if not buttons:
            raise bad_request(f"no inline button {button_text!r} on the message")
        if "callback_data" not in buttons[0]:
            raise bad_request(f"button {button_text!r} has no callback_data")
        data = buttons[0]["callback_data"]
    query_id = str(secrets.randbelow(10**18) + 10**18)
    answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    world.callbacks[query_id] = CallbackState(query_id, bot.id, user.id, time.monotonic(), answer)
    query: dict[str, Any] = {
        "id": query_id,
        "from": user.to_user(),
        "message": message.to_api(),
        "chat_instance": str(int(hashlib.sha256(str(chat.id).encode()).hexdigest()[:15], 16)),
    }
    if data is not None:
        query["data"] = data
    world.deliver(bot, "callback_query", query)
    try:
        return await asyncio.wait_for(asyncio.shield(answer), timeout)
    except TimeoutError:
        return None


def answer_poll(world: World, user: Person, poll_id: str, option_ids: list[int]) -> None:
    poll = world.polls.get(poll_id)
    if poll is None:
        raise bad_request("poll not found")
    if poll.is_closed:
        raise bad_request("poll is closed")
    if user.id not in world.audience(poll.chat):
        raise bad_request("user can't see the poll")
    if any(not 0 <= i < len(poll.options) for i in option_ids) or len(set(option_ids)) != len(
        option_ids
    ):
        raise bad_request("invalid option ids")
    if len(option_ids) > 1 and not poll.allows_multiple_answers:
        raise bad_request("poll allows only one answer")
    poll.votes[user.id] = list(option_ids)
    message = poll.chat.messages.get(poll.message_id)
    if message is not None:
        message.data["poll"] = {**message.data["poll"], **poll.to_api()}
        world.publish("edit", poll.chat, message.to_view())
    bot = world.accounts[poll.bot_id]
    assert isinstance(bot, BotAccount)
    world.deliver(bot, "poll", poll.to_api())
    if not poll.is_anonymous:
        world.deliver(
            bot,
            "poll_answer",
            {
                "poll_id": poll.id,
                "user": user.to_user(),
                "option_ids": list(option_ids),
                "option_persistent_ids": [str(i) for i in option_ids],
            },
        )


def _member_update(
    world: World, chat: Chat, by: Account, account: Account, old: Member, new: Member
) -> dict[str, Any]:
    return {
        "chat": world.chat_to_api(chat),
        "from": by.to_user(),
        "date": int(time.time()),
        "old_chat_member": member_to_api(account, old),
        "new_chat_member": member_to_api(account, new),
    }


def _notify_admin_bots(
    world: World, chat: Chat, by: Account, account: Account, old: Member, new: Member
) -> None:
    for bot in world.bots_in(chat):
        if bot.id != account.id and chat.members[bot.id].status == "administrator":
            world.deliver(bot, "chat_member", _member_update(world, chat, by, account, old, new))


def change_bot_status(
    world: World,
    chat: Chat,
    bot: BotAccount,
    status: str,
    *,
    by: Account,
    rights: dict[str, bool] | None = None,
) -> None:
    old = chat.members.get(bot.id, Member("left"))
    new = Member(status, rights or {}, removed=status == "left" and by.id != bot.id)
    if status in ("left", "kicked") and old.status in ACTIVE and chat.type != "private":
        world.store_message(chat, by, {"left_chat_member": bot.to_user()})
    chat.members[bot.id] = new
    if status in ACTIVE and old.status not in ACTIVE and chat.type != "private":
        service = world.store_message(chat, by, {"new_chat_members": [bot.to_user()]})
        world.deliver(bot, "my_chat_member", _member_update(world, chat, by, bot, old, new))
        world.deliver(bot, "message", service.to_api())
        return
    world.deliver(bot, "my_chat_member", _member_update(world, chat, by, bot, old, new))


def join(world: World, user: Person, chat: Chat) -> None:
    old = chat.members.get(user.id, Member("left"))
    if old.status in ACTIVE:
        raise bad_request("user is already a member of the chat")
    new = chat.members[user.id] = Member("member")
    service = world.store_message(chat, user, {"new_chat_members": [user.to_user()]})
    for bot in world.bots_in(chat):
        world.deliver(bot, "message", service.to_api())
    _notify_admin_bots(world, chat, user, user, old, new)


def leave(world: World, user: Person, chat: Chat) -> None:
    old = chat.members.get(user.id, Member("left"))
    if old.status not in ACTIVE:
        raise bad_request("user is not a member of the chat")
    service = world.store_message(chat, user, {"left_chat_member": user.to_user()})
    new = chat.members[user.id] = Member("left")
    for bot in world.bots_in(chat):
        world.deliver(bot, "message", service.to_api())
    _notify_admin_bots(world, chat, user, user, old, new)


def block(world: World, user: Person, bot: BotAccount) -> None:
    if bot.id in user.blocked_bots:
        return
    user.blocked_bots.add(bot.id)
    # The chat stays as it is; World.chat_for_bot refuses sends while the block lasts.
    chat = world.private_chat(bot, user)
    old, new = Member("member"), Member("kicked")
    world.deliver(bot, "my_chat_member", _member_update(world, chat, user, bot, old, new))


def unblock(world: World, user: Person, bot: BotAccount) -> None:
    if bot.id not in user.blocked_bots:
        return
    user.blocked_bots.discard(bot.id)
    chat = world.private_chat(bot, user)
    old, new = Member("kicked"), Member("member")
    world.deliver(bot, "my_chat_member", _member_update(world, chat, user, bot, old, new))


def upgrade(world: World, chat: Chat, by: Person) -> Chat:
    if chat.type != "group":
        raise bad_request("only basic groups can be upgraded")
    new = world.new_group(chat.title or "", supergroup=True, forum=False)
    new.members = {uid: Member(m.status, dict(m.rights)) for uid, m in chat.members.items()}
    old_service = world.store_message(chat, by, {"migrate_to_chat_id": new.id})
    chat.migrated_to = new.id
    new_service = world.store_message(new, by, {"migrate_from_chat_id": chat.id})
    for bot in world.bots_in(new):
        world.deliver(bot, "message", old_service.to_api())
        world.deliver(bot, "message", new_service.to_api())
    return new
