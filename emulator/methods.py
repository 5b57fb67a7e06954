"""Bot API methods the emulator implements, each working on the shared World."""

from __future__ import annotations

import io
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from emulator import limits
from emulator.actions import change_bot_status
from emulator.errors import MESSAGE_NOT_MODIFIED, ApiError, bad_request, too_many_requests
from emulator.formatting import parse
from emulator.spec import UploadedFile
from emulator.state import (
    BotAccount,
    Chat,
    PollState,
    StoredFile,
    StoredMessage,
    World,
    member_to_api,
)
from emulator.updates import WebhookSettings

TOPIC_COLORS = {7322096, 16766590, 13338331, 9367192, 16749490, 16478047}
SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_PORTS = {80, 88, 443, 8443}
COPYABLE = ("text", "entities", "document", "photo", "caption", "caption_entities")


@dataclass
class Call:
    world: World
    bot: BotAccount
    params: dict[str, Any]

    def chat(self, *, sending: bool = False, key: str = "chat_id") -> Chat:
        return self.world.chat_for_bot(self.bot, self.params[key], sending=sending)


Handler = Callable[[Call], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[name.lower()] = func
        return func

    return register


# ---- helpers --------------------------------------------------------------------------------


def _formatted(
    call: Call, text_key: str, mode_key: str, entities_key: str
) -> tuple[str, list[dict[str, Any]]]:
    text, entities = parse(
        call.params[text_key], call.params.get(mode_key), call.params.get(entities_key)
    )
    for entity in entities:
        if entity["type"] == "text_mention":
            account = call.world.accounts.get(entity["user"]["id"])
            if account is None:
                raise bad_request("can't parse entities: user not found")
            entity["user"] = account.to_user()
    return text, entities


def _thread(call: Call, chat: Chat) -> int | None:
    thread_id = call.params.get("message_thread_id")
    if thread_id is None:
        return None
    if not chat.is_forum or thread_id not in chat.topics:
        raise bad_request("message thread not found")
    return int(thread_id)


def _reply_to(call: Call, chat: Chat) -> StoredMessage | None:
    reply = call.params.get("reply_parameters")
    if not reply:
        return None
    target_chat = chat
    if "chat_id" in reply:
        target_chat = call.world.chat_for_bot(call.bot, reply["chat_id"])
    message = target_chat.messages.get(reply["message_id"])
    if message is None and not reply.get("allow_sending_without_reply"):
        raise bad_request("message to be replied not found")
    return message


def _markup(call: Call) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Split reply_markup into the inline keyboard kept on the message and a reply keyboard."""
    markup = call.params.get("reply_markup")
    limits.check_reply_markup(markup)
    if not markup:
        return None, None
    if "inline_keyboard" in markup:
        return markup, None
    return None, markup


def _send(call: Call, content: dict[str, Any], *, chat: Chat | None = None) -> StoredMessage:
    chat = chat or call.chat(sending=True)
    thread_id = _thread(call, chat)
    reply_to = _reply_to(call, chat)
    inline, keyboard = _markup(call)
    if inline:
        content["reply_markup"] = inline
    if call.params.get("protect_content"):
        content["has_protected_content"] = True
    stored = call.world.store_message(
        chat, call.bot, content, thread_id=thread_id, reply_to=reply_to, reply_keyboard=keyboard
    )
    call.world.sent_per_chat[chat.id] += 1
    return stored


def _text_content(text: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return content


def _caption_content(call: Call) -> dict[str, Any]:
    if call.params.get("caption") is None:
        return {}
    caption, entities = _formatted(call, "caption", "parse_mode", "caption_entities")
    limits.check_caption(caption)
    content: dict[str, Any] = {"caption": caption} if caption else {}
    if entities:
        content["caption_entities"] = entities
    return content


def _target(call: Call, missing: str) -> StoredMessage:
    if call.params.get("inline_message_id") is not None:
        raise bad_request("inline messages are not supported by the emulator")
    if call.params.get("chat_id") is None or call.params.get("message_id") is None:
        raise bad_request("message identifier is not specified")
    chat = call.chat()
    message = chat.messages.get(call.params["message_id"])
    if message is None:
        raise bad_request(missing)
    return message


def _editable(call: Call) -> StoredMessage:
    message = _target(call, "message to edit not found")
    if message.sender_id != call.bot.id:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(call: Call, message: StoredMessage, changes: dict[str, Any]) -> dict[str, Any]:
    """Replace content keys (None removes one); refuse an edit that changes nothing."""
    new = dict(message.data)
    for key, value in changes.items():
        if value is None:
            new.pop(key, None)
        else:
            new[key] = value
    if new == message.data:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    new["edit_date"] = int(time.time())
    message.data = new
    call.world.publish("edit", message.chat, message.to_view())
    return message.to_api()


def _input_file(call: Call, key: str, kind: str) -> StoredFile:
    value = call.params[key]
    if isinstance(value, UploadedFile):
        if len(value.data) > limits.UPLOAD_MAX_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        if not value.data:
            raise bad_request("file must be non-empty")
        return call.world.store_file(
            value.data, kind=kind, file_name=value.filename, mime_type=value.content_type
        )
    if re.match(r"https?://", value):
        raise bad_request("failed to get HTTP URL content")
    stored = call.world.files.get(value)
    if stored is None or stored.kind != kind:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return stored


def _document(stored: StoredFile) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        doc["file_name"] = stored.file_name
    if stored.mime_type:
        doc["mime_type"] = stored.mime_type
    return doc


def image_size(data: bytes) -> tuple[int, int] | None:
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # Pillow comes with qrcode[pil]; without it sizes are unknown
        return (0, 0)
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        return None


def photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    size = image_size(stored.data) or (0, 0)
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "width": size[0],
            "height": size[1],
        }
    ]


def _group_rights(call: Call, chat: Chat, right: str) -> bool:
    member = chat.members.get(call.bot.id)
    if chat.type == "private":
        return True
    if member is None:
        return False
    if member.status == "creator":
        return True
    return member.status == "administrator" and member.rights.get(right, True)


# ---- getting updates ----------------------------------------------------------------------


@method("getMe")
async def get_me(call: Call) -> Any:
    return call.bot.to_me()


@method("getUpdates")
async def get_updates(call: Call) -> Any:
    limit = min(max(call.params.get("limit", 100), 1), 100)
    timeout = min(max(call.params.get("timeout", 0), 0), 50)
    return await call.bot.updates.get_updates(
        call.params.get("offset"), limit, timeout, call.params.get("allowed_updates")
    )


@method("setWebhook")
async def set_webhook(call: Call) -> Any:
    url = call.params["url"]
    if not url:
        await call.bot.updates.delete_webhook(bool(call.params.get("drop_pending_updates")))
        return True
    parts = urlsplit(url)
    local = parts.hostname in call.world.webhook_http_hosts
    # Plain HTTP and any port are allowed only towards this machine (and hosts the operator
    # lists), so tests and the demo can listen without certificates.
    if parts.scheme != "https" and not (local and parts.scheme == "http"):
        raise bad_request("bad webhook: HTTPS url must be provided for webhook")
    if not parts.hostname:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    if not local and (parts.port or 443) not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    secret = call.params.get("secret_token")
    if secret is not None and not SECRET_TOKEN_RE.fullmatch(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    max_connections = call.params.get("max_connections", 40)
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    settings = WebhookSettings(
        url=url,
        secret_token=secret,
        max_connections=max_connections,
        ip_address=call.params.get("ip_address"),
        has_custom_certificate="certificate" in call.params,
    )
    call.bot.updates.set_webhook(
        settings,
        call.params.get("allowed_updates"),
        bool(call.params.get("drop_pending_updates")),
    )
    return True


@method("deleteWebhook")
async def delete_webhook(call: Call) -> Any:
    await call.bot.updates.delete_webhook(bool(call.params.get("drop_pending_updates")))
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> Any:
    return call.bot.updates.webhook_info()


# ---- sending --------------------------------------------------------------------------------


@method("sendMessage")
async def send_message(call: Call) -> Any:
    chat = call.chat(sending=True)
    text, entities = _formatted(call, "text", "parse_mode", "entities")
    limits.check_text(text)
    content = _text_content(text, entities)
    if call.params.get("link_preview_options"):
        content["link_preview_options"] = call.params["link_preview_options"]
    return _send(call, content, chat=chat).to_api()


@method("sendDocument")
async def send_document(call: Call) -> Any:
    chat = call.chat(sending=True)
    content = _caption_content(call)
    stored = _input_file(call, "document", "document")
    return _send(call, {"document": _document(stored), **content}, chat=chat).to_api()


@method("sendPhoto")
async def send_photo(call: Call) -> Any:
    chat = call.chat(sending=True)
    content = _caption_content(call)
    value = call.params["photo"]
    if isinstance(value, UploadedFile):
        if len(value.data) > 10 * 1024 * 1024:
            raise bad_request("PHOTO_SAVE_FILE_INVALID")
        if image_size(value.data) is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
    stored = _input_file(call, "photo", "photo")
    return _send(call, {"photo": photo_sizes(stored), **content}, chat=chat).to_api()


@method("sendPoll")
async def send_poll(call: Call) -> Any:
    chat = call.chat(sending=True)
    question, question_entities = _formatted(
        call, "question", "question_parse_mode", "question_entities"
    )
    options = [
        option if isinstance(option, str) else option["text"] for option in call.params["options"]
    ]
    limits.check_poll(question, options)
    poll_type = call.params.get("type", "regular")
    if poll_type not in ("regular", "quiz"):
        raise bad_request("poll type is invalid")
    correct = call.params.get("correct_option_ids")
    if poll_type == "quiz":
        if not correct or any(not 0 <= i < len(options) for i in correct):
            raise bad_request("wrong correct option ids specified")
    elif correct is not None:
        raise bad_request("correct option ids can be specified only for quiz polls")
    is_anonymous = call.params.get("is_anonymous", True)
    message_id = chat.next_message_id
    poll = PollState(
        id=str(secrets.randbelow(10**18) + 5 * 10**18),
        bot_id=call.bot.id,
        chat=chat,
        message_id=message_id,
        question=question,
        options=options,
        is_anonymous=is_anonymous,
        type=poll_type,
        allows_multiple_answers=bool(call.params.get("allows_multiple_answers")),
        correct_option_ids=correct,
        is_closed=bool(call.params.get("is_closed")),
    )
    data = poll.to_api()
    if question_entities:
        data["question_entities"] = question_entities
    stored = _send(call, {"poll": data}, chat=chat)
    call.world.polls[poll.id] = poll
    poll.message_id = stored.message_id
    return stored.to_api()


@method("stopPoll")
async def stop_poll(call: Call) -> Any:
    message = _target(call, "message with poll to stop not found")
    poll = next(
        (
            p
            for p in call.world.polls.values()
            if p.chat is message.chat and p.message_id == message.message_id
        ),
        None,
    )
    if poll is None or poll.bot_id != call.bot.id:
        raise bad_request("message with poll to stop not found")
    if poll.is_closed:
        raise bad_request("poll has already been closed")
    poll.is_closed = True
    changes: dict[str, Any] = {"poll": {**message.data["poll"], **poll.to_api()}}
    if "reply_markup" in call.params:
        changes["reply_markup"], _ = _markup(call)
    _apply_edit(call, message, changes)
    call.world.deliver(call.bot, "poll", poll.to_api())
    return poll.to_api()


@method("copyMessage")
async def copy_message(call: Call) -> Any:
    source_chat = call.chat(key="from_chat_id")
    source = source_chat.messages.get(call.params["message_id"])
    if source is None:
        raise bad_request("message to copy not found")
    if source.data.get("has_protected_content"):
        raise bad_request("message can't be copied")
    # A copied poll would be a new poll; the emulator refuses rather than share its state.
    content = {k: v for k, v in source.data.items() if k in COPYABLE}
    if not content:
        raise bad_request("message can't be copied")
    if call.params.get("caption") is not None:
        content.pop("caption_entities", None)
        content.update(_caption_content(call))
    stored = _send(call, content)
    return {"message_id": stored.message_id}


@method("forwardMessage")
async def forward_message(call: Call) -> Any:
    source_chat = call.chat(key="from_chat_id")
    source = source_chat.messages.get(call.params["message_id"])
    if source is None:
        raise bad_request("message to forward not found")
    content = {k: v for k, v in source.data.items() if k in COPYABLE}
    if not content or source.data.get("has_protected_content"):
        raise bad_request("message can't be forwarded")
    sender = call.world.accounts[source.sender_id]
    content["forward_origin"] = {
        "type": "user",
        "date": source.data["date"],
        "sender_user": sender.to_user(),
    }
    return _send(call, content).to_api()


@method("sendChatAction")
async def send_chat_action(call: Call) -> Any:
    chat = call.chat(sending=True)
    if call.params["action"] not in limits.CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    _thread(call, chat)
    call.world.publish("chat_action", chat, {"chat_id": chat.id, "action": call.params["action"]})
    return True


# ---- editing and deleting ---------------------------------------------------------------


@method("editMessageText")
async def edit_message_text(call: Call) -> Any:
    message = _editable(call)
    if "text" not in message.data:
        raise bad_request("there is no text in the message to edit")
    text, entities = _formatted(call, "text", "parse_mode", "entities")
    limits.check_text(text)
    inline, keyboard = _markup(call)
    if keyboard is not None:
        raise bad_request("inline keyboard expected")
    return _apply_edit(
        call, message, {"text": text, "entities": entities or None, "reply_markup": inline}
    )


@method("editMessageCaption")
async def edit_message_caption(call: Call) -> Any:
    message = _editable(call)
    if not any(k in message.data for k in ("document", "photo")):
        raise bad_request("there is no caption in the message to edit")
    content = _caption_content(call)
    inline, keyboard = _markup(call)
    if keyboard is not None:
        raise bad_request("inline keyboard expected")
    changes: dict[str, Any] = {
        "caption": content.get("caption"),
        "caption_entities": content.get("caption_entities"),
        "reply_markup": inline,
    }
    return _apply_edit(call, message, changes)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> Any:
    message = _editable(call)
    inline, keyboard = _markup(call)
    if keyboard is not None:
        raise bad_request("inline keyboard expected")
    return _apply_edit(call, message, {"reply_markup": inline})


def _delete(call: Call, chat: Chat, message: StoredMessage) -> None:
    if message.sender_id != call.bot.id and not _group_rights(call, chat, "can_delete_messages"):
        raise bad_request("message can't be deleted")
    del chat.messages[message.message_id]
    call.world.publish("delete", chat, {"chat_id": chat.id, "message_id": message.message_id})


@method("deleteMessage")
async def delete_message(call: Call) -> Any:
    chat = call.chat()
    message = chat.messages.get(call.params["message_id"])
    if message is None:
        raise bad_request("message to delete not found")
    _delete(call, chat, message)
    return True


@method("deleteMessages")
async def delete_messages(call: Call) -> Any:
    chat = call.chat()
    ids = call.params["message_ids"]
    if not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must contain 1-100 identifiers")
    found = [chat.messages[i] for i in ids if i in chat.messages]
    if not found:
        raise bad_request("message to delete not found")
    for message in found:
        _delete(call, chat, message)
    return True


@method("pinChatMessage")
async def pin_chat_message(call: Call) -> Any:
    chat = call.chat(sending=True)
    message = chat.messages.get(call.params["message_id"])
    if message is None:
        raise bad_request("message to pin not found")
    if not _group_rights(call, chat, "can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    message.pinned = True
    call.world.publish("pin", chat, {"chat_id": chat.id, "message_id": message.message_id})
    call.world.store_message(chat, call.bot, {"pinned_message": message.to_api()})
    return True


@method("unpinChatMessage")
async def unpin_chat_message(call: Call) -> Any:
    chat = call.chat()
    if not _group_rights(call, chat, "can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")
    message_id = call.params.get("message_id")
    pinned = [m for m in chat.messages.values() if m.pinned]
    if message_id is not None:
        pinned = [m for m in pinned if m.message_id == message_id]
        if message_id not in chat.messages:
            raise bad_request("message to unpin not found")
    if pinned:
        pinned[-1].pinned = False
        call.world.publish(
            "unpin", chat, {"chat_id": chat.id, "message_id": pinned[-1].message_id}
        )
    return True


# ---- callbacks --------------------------------------------------------------------------


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> Any:
    limits.check_callback_answer(call.params.get("text"))
    state = call.world.callback_query(call.params["callback_query_id"])
    if state.bot_id != call.bot.id:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    answer = {
        "text": call.params.get("text"),
        "show_alert": bool(call.params.get("show_alert")),
        "url": call.params.get("url"),
    }
    state.answer.set_result(answer)
    payload = {"callback_query_id": state.id, **answer}
    call.world.publish_to(state.user_id, "callback_answer", payload)
    return True


# ---- files --------------------------------------------------------------------------------


@method("getFile")
async def get_file(call: Call) -> Any:
    stored = call.world.files.get(call.params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > limits.DOWNLOAD_MAX_BYTES:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


# ---- chats and members --------------------------------------------------------------------


@method("getChat")
async def get_chat(call: Call) -> Any:
    return call.world.chat_full_info(call.chat())


@method("getChatMember")
async def get_chat_member(call: Call) -> Any:
    chat = call.chat()
    if call.params["user_id"] not in call.world.accounts:
        raise bad_request("user not found")
    return call.world.chat_member(chat, call.params["user_id"])


@method("getChatAdministrators")
async def get_chat_administrators(call: Call) -> Any:
    chat = call.chat()
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [
        member_to_api(call.world.accounts[uid], member)
        for uid, member in chat.members.items()
        if member.status in ("creator", "administrator")
    ]


@method("getChatMemberCount")
async def get_chat_member_count(call: Call) -> Any:
    return len(call.chat().active_member_ids())


@method("leaveChat")
async def leave_chat(call: Call) -> Any:
    chat = call.chat()
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    change_bot_status(call.world, chat, call.bot, "left", by=call.bot)
    return True


@method("createForumTopic")
async def create_forum_topic(call: Call) -> Any:
    chat = call.chat(sending=True)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    if not _group_rights(call, chat, "can_manage_topics"):
        raise bad_request("not enough rights to create a topic")
    name = call.params["name"]
    if not 1 <= len(name) <= limits.TOPIC_NAME_MAX:
        raise bad_request("TOPIC_TITLE_INVALID")
    color = call.params.get("icon_color", 7322096)
    if color not in TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    created = {"name": name, "icon_color": color}
    message = call.world.store_message(chat, call.bot, {"forum_topic_created": created})
    topic = {"message_thread_id": message.message_id, **created}
    chat.topics[message.message_id] = topic
    message.data.update(message_thread_id=message.message_id, is_topic_message=True)
    return topic


# ---- bot settings -------------------------------------------------------------------------


def _scope_key(call: Call) -> tuple[str, str]:
    scope = call.params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), call.params.get("language_code") or ""


@method("setMyCommands")
async def set_my_commands(call: Call) -> Any:
    limits.check_commands(call.params["commands"])
    call.bot.commands[_scope_key(call)] = list(call.params["commands"])
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> Any:
    return call.bot.commands.get(_scope_key(call), [])


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> Any:
    call.bot.commands.pop(_scope_key(call), None)
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> Any:
    chat_id = None
    if call.params.get("chat_id") is not None:
        chat = call.chat()
        if chat.type != "private":
            raise bad_request("menu button can be set only in private chats")
        chat_id = chat.id
    call.bot.menu_buttons[chat_id] = call.params.get("menu_button") or {"type": "default"}
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> Any:
    chat_id = call.params.get("chat_id")
    button = call.bot.menu_buttons.get(chat_id) or call.bot.menu_buttons.get(None)
    return button or {"type": "commands"}


@method("close")
async def close(call: Call) -> Any:
    # Telegram refuses close during the first 10 minutes after a bot is launched.
    left = call.world.close_lockout - (time.monotonic() - call.bot.registered_at)
    if left > 0:
        raise too_many_requests(int(left) + 1)
    return True


@method("logOut")
async def log_out(call: Call) -> Any:
    return True
