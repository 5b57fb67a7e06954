"""Limits the Bot API documents only in prose, checked with Telegram's error wording."""

from __future__ import annotations

import re
from typing import Any

from emulator.errors import bad_request
from emulator.formatting import utf16_len

TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX_BYTES = 64
CALLBACK_ANSWER_MAX = 200
COMMANDS_MAX = 100
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
COMMAND_DESCRIPTION_MAX = 256
POLL_QUESTION_MAX = 300
POLL_OPTIONS_MIN = 2
POLL_OPTIONS_MAX = 12
POLL_OPTION_MAX = 100
INLINE_BUTTONS_MAX = 100
INLINE_ROW_MAX = 8
UPLOAD_MAX_BYTES = 50 * 1024 * 1024
DOWNLOAD_MAX_BYTES = 20 * 1024 * 1024
TOPIC_NAME_MAX = 128
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}


def check_text(text: str) -> None:
    if not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > TEXT_MAX:
        raise bad_request("message is too long")


def check_caption(caption: str) -> None:
    if utf16_len(caption) > CAPTION_MAX:
        raise bad_request("message caption is too long")


def check_reply_markup(markup: dict[str, Any] | None) -> None:
    if not markup:
        return
    rows = markup.get("inline_keyboard")
    if rows is None:
        for row in markup.get("keyboard", []):
            for button in row:
                if not (button if isinstance(button, str) else button.get("text", "")):
                    raise bad_request("keyboard button text is empty")
        return
    if sum(len(row) for row in rows) > INLINE_BUTTONS_MAX:
        raise bad_request("too many inline keyboard buttons")
    for row in rows:
        if len(row) > INLINE_ROW_MAX:
            raise bad_request("too many buttons in a row of the inline keyboard")
        for button in row:
            if not button["text"]:
                raise bad_request("inline keyboard button text is empty")
            actions = [k for k in button if k not in ("text", "icon_custom_emoji_id", "style")]
            if len(actions) != 1:
                raise bad_request("inline keyboard button must have exactly one optional field")
            if "callback_data" in button:
                size = len(button["callback_data"].encode("utf-8"))
                if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not re.match(r"(https?|tg)://\S+", button["url"]):
                raise bad_request("inline keyboard button URL is invalid")


def check_callback_answer(text: str | None) -> None:
    if text is not None and utf16_len(text) > CALLBACK_ANSWER_MAX:
        raise bad_request("MESSAGE_TOO_LONG")


def check_commands(commands: list[dict[str, str]]) -> None:
    if len(commands) > COMMANDS_MAX:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not COMMAND_RE.fullmatch(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= utf16_len(command["description"]) <= COMMAND_DESCRIPTION_MAX:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


def check_poll(question: str, options: list[str]) -> None:
    if not question:
        raise bad_request("poll question must be non-empty")
    if utf16_len(question) > POLL_QUESTION_MAX:
        raise bad_request("poll question length must not exceed 300")
    if len(options) < POLL_OPTIONS_MIN:
        raise bad_request("poll must have at least 2 option")
    if len(options) > POLL_OPTIONS_MAX:
        raise bad_request("poll can't have more than 12 options")
    for option in options:
        if not 1 <= utf16_len(option) <= POLL_OPTION_MAX:
            raise bad_request("poll options length must not exceed 100")
