"""Documented limits and Telegram's error wording, each sent as a bad request."""

from __future__ import annotations

import asyncio

import pytest

from emulator import EmulatorClient, EmulatorServer
from emulator.client import User
from tests.emulator.conftest import Api


@pytest.fixture
async def alice(emu: EmulatorClient) -> User:
    user = await emu.create_user("Alice", username="alice")
    await user.send("/start")
    return user


def keyboard(*rows: list[str]) -> dict:
    return {"inline_keyboard": [[{"text": t, "callback_data": t} for t in row] for row in rows]}


async def test_text_empty_after_parsing(api: Api, alice: User):
    assert await api.error(
        "sendMessage", chat_id=alice.id, text="<b> </b>", parse_mode="HTML"
    ) == (400, "Bad Request: message text is empty")


async def test_text_4096_ok_4097_too_long(api: Api, alice: User):
    await api.ok("sendMessage", chat_id=alice.id, text="a" * 4096)
    assert await api.error("sendMessage", chat_id=alice.id, text="a" * 4097) == (
        400,
        "Bad Request: message is too long",
    )


async def test_text_length_counts_after_entity_parsing(api: Api, alice: User):
    await api.ok(
        "sendMessage", chat_id=alice.id, text="<b>" + "a" * 4096 + "</b>", parse_mode="HTML"
    )


async def test_caption_too_long(api: Api, alice: User):
    first = await alice.send_document("a.txt", b"a")
    file_id = first["document"]["file_id"]
    await api.ok("sendDocument", chat_id=alice.id, document=file_id, caption="c" * 1024)
    assert await api.error(
        "sendDocument", chat_id=alice.id, document=file_id, caption="c" * 1025
    ) == (400, "Bad Request: message caption is too long")


async def test_callback_data_over_64_bytes(api: Api, alice: User):
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "ä" * 33}]]}
    assert await api.error("sendMessage", chat_id=alice.id, text="x", reply_markup=markup) == (
        400,
        "Bad Request: BUTTON_DATA_INVALID",
    )


async def test_callback_data_empty(api: Api, alice: User):
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": ""}]]}
    assert await api.error("sendMessage", chat_id=alice.id, text="x", reply_markup=markup) == (
        400,
        "Bad Request: BUTTON_DATA_INVALID",
    )


async def test_callback_data_64_bytes_ok(api: Api, alice: User):
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 64}]]}
    await api.ok("sendMessage", chat_id=alice.id, text="x", reply_markup=markup)


async def test_inline_keyboard_more_than_8_per_row(api: Api, alice: User):
    row = [str(i) for i in range(9)]
    assert await api.error(
        "sendMessage", chat_id=alice.id, text="x", reply_markup=keyboard(row)
    ) == (400, "Bad Request: too many buttons in a row of the inline keyboard")


async def test_inline_keyboard_more_than_100_buttons(api: Api, alice: User):
    rows = [[f"{r}-{c}" for c in range(8)] for r in range(13)]
    assert await api.error(
        "sendMessage", chat_id=alice.id, text="x", reply_markup=keyboard(*rows)
    ) == (400, "Bad Request: too many inline keyboard buttons")


async def test_answer_callback_text_over_200(api: Api, alice: User):
    message = await api.ok("sendMessage", chat_id=alice.id, text="x", reply_markup=keyboard(["a"]))
    press = asyncio.create_task(alice.press("a", message, timeout=1))
    query_id = (await api.next_update("callback_query"))["id"]
    assert await api.error("answerCallbackQuery", callback_query_id=query_id, text="x" * 201) == (
        400,
        "Bad Request: MESSAGE_TOO_LONG",
    )
    await api.ok("answerCallbackQuery", callback_query_id=query_id, text="x" * 200)
    assert (await press)["text"] == "x" * 200


async def test_answer_unknown_callback_query(api: Api):
    assert await api.error("answerCallbackQuery", callback_query_id="123") == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )


async def test_answer_expired_callback_query(api: Api, emu: EmulatorClient, alice: User):
    await emu.configure(callback_expiry=0.05)
    message = await api.ok("sendMessage", chat_id=alice.id, text="x", reply_markup=keyboard(["a"]))
    with pytest.raises(AssertionError, match="did not answer"):
        await alice.press("a", message, timeout=0.1)
    query_id = (await api.next_update("callback_query"))["id"]
    assert await api.error("answerCallbackQuery", callback_query_id=query_id) == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )


async def test_set_my_commands_limits(api: Api):
    ok = [{"command": "start", "description": "Aloita"}]
    await api.ok("setMyCommands", commands=ok)
    assert await api.ok("getMyCommands") == ok
    too_many = [{"command": f"c{i}", "description": "d"} for i in range(101)]
    assert await api.error("setMyCommands", commands=too_many) == (
        400,
        "Bad Request: BOT_COMMANDS_TOO_MUCH",
    )
    for name in ("Start", "with-dash", "a" * 33, ""):
        assert await api.error(
            "setMyCommands", commands=[{"command": name, "description": "d"}]
        ) == (400, "Bad Request: BOT_COMMAND_INVALID")
    for description in ("", "d" * 257):
        assert await api.error(
            "setMyCommands", commands=[{"command": "ok", "description": description}]
        ) == (400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")


async def test_poll_limits(api: Api, alice: User):
    def options(n: int, text: str = "o") -> list[dict]:
        return [{"text": f"{text}{i}"} for i in range(n)]

    await api.ok("sendPoll", chat_id=alice.id, question="q" * 300, options=options(12))
    assert await api.error(
        "sendPoll", chat_id=alice.id, question="q" * 301, options=options(2)
    ) == (400, "Bad Request: poll question length must not exceed 300")
    assert await api.error("sendPoll", chat_id=alice.id, question="q", options=options(1)) == (
        400,
        "Bad Request: poll must have at least 2 option",
    )
    assert await api.error("sendPoll", chat_id=alice.id, question="q", options=options(13)) == (
        400,
        "Bad Request: poll can't have more than 12 options",
    )
    assert await api.error(
        "sendPoll", chat_id=alice.id, question="q", options=options(2, "x" * 100)
    ) == (400, "Bad Request: poll options length must not exceed 100")


async def test_html_parse_errors(api: Api, alice: User):
    cases = {
        "<b>open": 'Can\'t find end tag corresponding to start tag "b"',
        "close</b>": "Unexpected end tag at byte offset 5",
        "<blink>x</blink>": 'Unsupported start tag "blink" at byte offset 0',
        "<b><i>x</b></i>": 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        "ä <b": "Unclosed start tag at byte offset 3",
    }
    for text, reason in cases.items():
        assert await api.error("sendMessage", chat_id=alice.id, text=text, parse_mode="HTML") == (
            400,
            f"Bad Request: can't parse entities: {reason}",
        ), text


async def test_markdown_v2_parse_errors(api: Api, alice: User):
    cases = {
        "Kokous klo 17.00": (
            "Character '.' is reserved and must be escaped with the preceding '\\'"
        ),
        "*bold": "Can't find end of Bold entity at byte offset 0",
        "ok _italic": "Can't find end of Italic entity at byte offset 3",
    }
    for text, reason in cases.items():
        assert await api.error(
            "sendMessage", chat_id=alice.id, text=text, parse_mode="MarkdownV2"
        ) == (400, f"Bad Request: can't parse entities: {reason}"), text


async def test_parsed_text_is_plain_with_entities(api: Api, alice: User):
    result = await api.ok(
        "sendMessage",
        chat_id=alice.id,
        parse_mode="HTML",
        text='<b>Kokous</b> &lt;tänään&gt; <a href="https://lahti.fi">😀 linkki</a>',
    )
    assert result["text"] == "Kokous <tänään> 😀 linkki"
    assert result["entities"] == [
        {"type": "bold", "offset": 0, "length": 6},
        {"type": "text_link", "url": "https://lahti.fi", "offset": 16, "length": 9},
    ]
    result = await api.ok(
        "sendMessage",
        chat_id=alice.id,
        parse_mode="MarkdownV2",
        text="*Kokous* klo 17\\.00 __tärkeä__",
    )
    assert result["text"] == "Kokous klo 17.00 tärkeä"
    assert [e["type"] for e in result["entities"]] == ["bold", "underline"]


async def test_edit_not_modified(api: Api, alice: User):
    sent = await api.ok("sendMessage", chat_id=alice.id, text="sama", reply_markup=keyboard(["a"]))
    assert await api.error(
        "editMessageText",
        chat_id=alice.id,
        message_id=sent["message_id"],
        text="sama",
        reply_markup=keyboard(["a"]),
    ) == (
        400,
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message",
    )


async def test_edit_message_not_found(api: Api, alice: User):
    assert await api.error("editMessageText", chat_id=alice.id, message_id=999, text="x") == (
        400,
        "Bad Request: message to edit not found",
    )


async def test_edit_someone_elses_message(api: Api, alice: User):
    mine = await alice.send("hei")
    assert await api.error(
        "editMessageText", chat_id=alice.id, message_id=mine["message_id"], text="x"
    ) == (400, "Bad Request: message can't be edited")


async def test_delete_message_not_found(api: Api, alice: User):
    assert await api.error("deleteMessage", chat_id=alice.id, message_id=999) == (
        400,
        "Bad Request: message to delete not found",
    )


async def test_close_within_ten_minutes_is_429(api: Api, emu: EmulatorClient):
    status, description = await api.error("close")
    assert status == 429
    assert description.startswith("Too Many Requests: retry after ")
    await emu.configure(close_lockout=0)
    assert await api.ok("close") is True


async def test_webhook_requires_https(api: Api):
    assert await api.error("setWebhook", url="http://example.com/hook") == (
        400,
        "Bad Request: bad webhook: HTTPS url must be provided for webhook",
    )
    assert await api.error("setWebhook", url="https://example.com:8080/hook") == (
        400,
        "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
    )
    assert await api.error(
        "setWebhook", url="https://example.com/hook", secret_token="not allowed!"
    ) == (400, "Bad Request: bad webhook: secret token contains unallowed characters")


async def test_results_are_checked_against_the_spec(emulator_server: EmulatorServer):
    method = emulator_server.spec.method("getMe")
    assert method is not None
    with pytest.raises(ValueError, match="lacks required field"):
        emulator_server.spec.check_result(method, {"id": 1, "is_bot": True})
