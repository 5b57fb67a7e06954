"""The Bot API envelope, request encodings and authentication over raw HTTP."""

from __future__ import annotations

import io
import json

import aiohttp

from emulator import EmulatorClient, EmulatorServer
from tests.emulator.conftest import TOKEN, Api


async def test_get_with_query_string(emulator_server: EmulatorServer, emu: EmulatorClient, http):
    async with http.get(f"{emulator_server.base_url}/bot{TOKEN}/getMe") as response:
        body = await response.json()
    assert response.status == 200
    assert body["ok"] is True
    assert body["result"]["username"] == "poytabot"
    assert body["result"]["is_bot"] is True


async def test_urlencoded_body(emulator_server: EmulatorServer, emu: EmulatorClient, http):
    alice = await emu.create_user("Alice")
    await alice.send("/start")
    form = {"chat_id": str(alice.id), "text": "hei", "disable_notification": "true"}
    async with http.post(f"{emulator_server.base_url}/bot{TOKEN}/sendMessage", data=form) as r:
        body = await r.json()
    assert r.status == 200
    assert body["result"]["text"] == "hei"


async def test_json_body_with_nested_objects(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    await alice.send("/start")
    markup = {"inline_keyboard": [[{"text": "Kyllä", "callback_data": "yes"}]]}
    result = await api.ok("sendMessage", chat_id=alice.id, text="Tuletko?", reply_markup=markup)
    assert result["reply_markup"] == markup


async def test_multipart_body_with_json_encoded_markup(
    emulator_server: EmulatorServer, emu: EmulatorClient, http
):
    alice = await emu.create_user("Alice")
    await alice.send("/start")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice.id))
    form.add_field(
        "document", b"%PDF-1.4 minutes", filename="minutes.pdf", content_type="application/pdf"
    )
    form.add_field(
        "reply_markup", json.dumps({"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]})
    )
    async with http.post(f"{emulator_server.base_url}/bot{TOKEN}/sendDocument", data=form) as r:
        body = await r.json()
    assert r.status == 200, body
    assert body["result"]["document"]["file_name"] == "minutes.pdf"
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "OK"


async def test_method_names_are_case_insensitive(api: Api):
    assert (await api.ok("GETME"))["username"] == "poytabot"
    assert (await api.ok("getme"))["username"] == "poytabot"


async def test_unknown_token_is_401(emulator_server: EmulatorServer, emu: EmulatorClient, http):
    async with http.get(f"{emulator_server.base_url}/bot999:WRONG/getMe") as response:
        body = await response.json()
    assert response.status == 401
    assert body == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized: invalid token specified",
    }


async def test_unknown_method_is_404(api: Api):
    assert await api.error("sendTelepathy") == (404, "Not Found: method not found")


async def test_exotic_method_is_validated_then_unsupported(api: Api):
    assert await api.error("sendDice", chat_id=1) == (
        400,
        "Bad Request: method is not supported by the emulator",
    )
    assert await api.error("sendDice") == (400, 'Bad Request: parameter "chat_id" is required')


async def test_unknown_parameter(api: Api):
    assert await api.error("getMe", colour="blue") == (
        400,
        'Bad Request: unknown parameter "colour"',
    )


async def test_missing_required_parameter(api: Api):
    assert await api.error("sendMessage", text="hei") == (
        400,
        'Bad Request: parameter "chat_id" is required',
    )


async def test_missing_text_is_message_text_is_empty(api: Api):
    assert await api.error("sendMessage", chat_id=1) == (400, "Bad Request: message text is empty")


async def test_wrong_type(api: Api):
    assert await api.error("deleteMessage", chat_id=1, message_id="first") == (
        400,
        'Bad Request: parameter "message_id" must be Integer',
    )


async def test_wrong_type_in_form_field(emulator_server: EmulatorServer, emu, http):
    url = f"{emulator_server.base_url}/bot{TOKEN}/getUpdates"
    async with http.post(url, data={"timeout": "soon"}) as response:
        body = await response.json()
    assert response.status == 400
    assert body["description"] == 'Bad Request: parameter "timeout" must be Integer'


async def test_wrong_nested_type(api: Api):
    markup = {"inline_keyboard": [[{"text": 5, "callback_data": "x"}]]}
    status, description = await api.error("sendMessage", chat_id=1, text="x", reply_markup=markup)
    assert status == 400
    assert description.startswith('Bad Request: parameter "reply_markup" must be String')
    assert "inline_keyboard[0][0].text" in description


async def test_unknown_nested_field(api: Api):
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "x", "colour": "red"}]]}
    status, description = await api.error("sendMessage", chat_id=1, text="x", reply_markup=markup)
    assert status == 400
    assert 'has unknown field "colour"' in description


async def test_invalid_json_in_form_field(emulator_server: EmulatorServer, emu, http):
    url = f"{emulator_server.base_url}/bot{TOKEN}/sendMessage"
    form = {"chat_id": "1", "text": "x", "reply_markup": "{not json"}
    async with http.post(url, data=form) as response:
        body = await response.json()
    assert response.status == 400
    assert body["description"] == (
        'Bad Request: parameter "reply_markup" must be InlineKeyboardMarkup or '
        "ReplyKeyboardMarkup or ReplyKeyboardRemove or ForceReply"
    )


async def test_chat_not_found_for_unknown_id(api: Api):
    assert await api.error("sendMessage", chat_id=424242, text="hei") == (
        400,
        "Bad Request: chat not found",
    )


async def test_bot_cannot_initiate_conversation(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    assert await api.error("sendMessage", chat_id=alice.id, text="hei") == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )


async def test_blocked_bot_is_403(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    await alice.send("/start")
    await alice.block_bot()
    assert await api.error("sendMessage", chat_id=alice.id, text="hei") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    await alice.unblock_bot()
    await api.ok("sendMessage", chat_id=alice.id, text="hei taas")


async def test_get_file_too_big(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    message = await alice.send_document("big.bin", b"\0" * (20 * 1024 * 1024 + 1))
    assert await api.error("getFile", file_id=message["document"]["file_id"]) == (
        400,
        "Bad Request: file is too big",
    )


async def test_upload_over_50_mb_is_413(emulator_server: EmulatorServer, emu, http):
    alice = await emu.create_user("Alice")
    await alice.send("/start")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice.id))
    form.add_field("document", io.BytesIO(b"\0" * (50 * 1024 * 1024 + 1)), filename="huge.bin")
    async with http.post(f"{emulator_server.base_url}/bot{TOKEN}/sendDocument", data=form) as r:
        body = await r.json()
    assert r.status == 413
    assert body["description"] == "Request Entity Too Large"


async def test_file_download_route(emulator_server: EmulatorServer, api: Api, emu, http):
    alice = await emu.create_user("Alice")
    message = await alice.send_document("pöytäkirja.txt", b"hello")
    file = await api.ok("getFile", file_id=message["document"]["file_id"])
    url = f"{emulator_server.base_url}/file/bot{TOKEN}/{file['file_path']}"
    async with http.get(url) as response:
        assert response.status == 200
        assert await response.read() == b"hello"
    async with http.get(f"{emulator_server.base_url}/file/bot1:X/{file['file_path']}") as r:
        assert r.status == 401
