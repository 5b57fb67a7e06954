"""People, chats and messages: the control API and client against raw Bot API calls."""

from __future__ import annotations

import asyncio
import io
import json

import aiohttp
import pytest
from PIL import Image

from emulator import EmulatorClient, EmulatorServer, buttons, text_of
from emulator.client import User
from tests.emulator.conftest import Api


def png(width: int = 4, height: int = 3) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def alice(emu: EmulatorClient) -> User:
    user = await emu.create_user("Alice", username="alice", language_code="fi")
    await user.send("/start")
    return user


async def test_send_and_expect_message(api: Api, emu: EmulatorClient, alice: User):
    update = await api.next_update("message")
    assert update["text"] == "/start"
    assert update["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert update["from"]["language_code"] == "fi"
    await api.ok("sendMessage", chat_id=alice.id, text="<b>Tervetuloa</b>!", parse_mode="HTML")
    await api.ok("sendMessage", chat_id=alice.id, text="Toinen")
    first = await alice.expect_message(containing="Tervetuloa")
    assert text_of(first) == "Tervetuloa!"
    with pytest.raises(AssertionError, match="'Toinen'"):
        await alice.expect_message(containing="Kolmas")
    await alice.expect_no_message(within=0.1)


async def test_expect_message_waits(api: Api, alice: User):
    async def later() -> None:
        await asyncio.sleep(0.2)
        await api.ok("sendMessage", chat_id=alice.id, text="Myöhemmin")

    task = asyncio.create_task(later())
    message = await alice.expect_message(matching=lambda m: text_of(m) == "Myöhemmin", timeout=2)
    assert message["from"]["is_bot"] is True
    await task


async def test_expect_no_message_fails_when_the_bot_writes(api: Api, alice: User):
    await api.ok("sendMessage", chat_id=alice.id, text="Yllätys")
    with pytest.raises(AssertionError, match="Yllätys"):
        await alice.expect_no_message(within=0.1)


async def test_press_button_and_answer(api: Api, alice: User):
    markup = {
        "inline_keyboard": [
            [
                {"text": "Kyllä", "callback_data": "vote:yes"},
                {"text": "Ei", "callback_data": "vote:no"},
            ]
        ]
    }
    await api.ok("sendMessage", chat_id=alice.id, text="Tuletko?", reply_markup=markup)
    message = await alice.expect_message("Tuletko?")
    assert buttons(message) == [["Kyllä", "Ei"]]
    press = asyncio.create_task(alice.press("Kyllä"))
    query = await api.next_update("callback_query")
    assert query["data"] == "vote:yes"
    assert query["from"]["id"] == alice.id
    assert query["message"]["message_id"] == message["message_id"]
    await api.ok(
        "answerCallbackQuery", callback_query_id=query["id"], text="Kiitos!", show_alert=True
    )
    assert await press == {"text": "Kiitos!", "show_alert": True}
    assert await api.error("answerCallbackQuery", callback_query_id=query["id"]) == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )


async def test_press_forged_data(api: Api, alice: User):
    sent = await api.ok(
        "sendMessage",
        chat_id=alice.id,
        text="x",
        reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]},
    )
    press = asyncio.create_task(alice.press_data(sent, "admin:delete_all"))
    query = await api.next_update("callback_query")
    assert query["data"] == "admin:delete_all"
    await api.ok("answerCallbackQuery", callback_query_id=query["id"])
    assert (await press)["text"] is None


async def test_history_applies_edits_and_deletions(api: Api, alice: User):
    one = await api.ok("sendMessage", chat_id=alice.id, text="yksi")
    two = await api.ok("sendMessage", chat_id=alice.id, text="kaksi")
    edited = await api.ok(
        "editMessageText",
        chat_id=alice.id,
        message_id=one["message_id"],
        text="<i>yksi</i> muokattu",
        parse_mode="HTML",
    )
    assert edited["edit_date"] >= edited["date"]
    await api.ok("deleteMessage", chat_id=alice.id, message_id=two["message_id"])
    history = await alice.history()
    assert [text_of(m) for m in history] == ["/start", "yksi muokattu"]
    assert history[1]["entities"] == [{"type": "italic", "offset": 0, "length": 4}]


async def test_edit_reply_markup_and_caption(api: Api, alice: User):
    doc = await alice.send_document("a.txt", b"a")
    sent = await api.ok(
        "sendDocument",
        chat_id=alice.id,
        document=doc["document"]["file_id"],
        caption="vanha",
        reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]},
    )
    result = await api.ok(
        "editMessageCaption", chat_id=alice.id, message_id=sent["message_id"], caption="uusi"
    )
    assert result["caption"] == "uusi"
    assert "reply_markup" not in result
    result = await api.ok(
        "editMessageReplyMarkup",
        chat_id=alice.id,
        message_id=sent["message_id"],
        reply_markup={"inline_keyboard": [[{"text": "b", "callback_data": "b"}]]},
    )
    assert buttons(result) == [["b"]]
    assert await api.error(
        "editMessageText", chat_id=alice.id, message_id=sent["message_id"], text="x"
    ) == (400, "Bad Request: there is no text in the message to edit")


async def test_delete_messages(api: Api, alice: User):
    ids = [
        (await api.ok("sendMessage", chat_id=alice.id, text=str(i)))["message_id"]
        for i in range(3)
    ]
    assert await api.ok("deleteMessages", chat_id=alice.id, message_ids=[*ids[:2], 999]) is True
    assert [text_of(m) for m in await alice.history()] == ["/start", "2"]


async def test_pin_and_unpin(api: Api, alice: User):
    sent = await api.ok("sendMessage", chat_id=alice.id, text="Tärkeä")
    await api.ok("pinChatMessage", chat_id=alice.id, message_id=sent["message_id"])
    history = await alice.history()
    assert history[1]["pinned"] is True
    assert history[2]["pinned_message"]["message_id"] == sent["message_id"]
    chat = await api.ok("getChat", chat_id=alice.id)
    assert chat["pinned_message"]["text"] == "Tärkeä"
    await api.ok("unpinChatMessage", chat_id=alice.id)
    assert (await alice.history())[1]["pinned"] is False


async def test_documents_and_photos_round_trip(
    api: Api, emu: EmulatorClient, alice: User, emulator_server: EmulatorServer
):
    message = await alice.send_document("pöytäkirja.pdf", b"%PDF minutes", caption="Liite")
    last = (await api.ok("getUpdates", offset=-1))[0]["message"]
    assert last["document"]["file_name"] == "pöytäkirja.pdf"
    document = message["document"]
    assert document["file_name"] == "pöytäkirja.pdf"
    file = await api.ok("getFile", file_id=document["file_id"])
    assert file["file_size"] == len(b"%PDF minutes")
    photo = await alice.send_photo(png(40, 30), caption="Kuva")
    assert (photo["photo"][-1]["width"], photo["photo"][-1]["height"]) == (40, 30)

    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice.id))
    form.add_field("photo", png(8, 6), filename="chart.png", content_type="image/png")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{api.base}/sendPhoto", data=form) as response,
    ):
        sent = (await response.json())["result"]
    assert sent["photo"][0]["width"] == 8
    assert await emu.download(sent["photo"][0]["file_id"]) == png(8, 6)
    reused = await api.ok("sendDocument", chat_id=alice.id, document=document["file_id"])
    assert reused["document"]["file_id"] == document["file_id"]
    assert await api.error("sendDocument", chat_id=alice.id, document="nonsense") == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )
    assert await api.error("getFile", file_id="nonsense") == (400, "Bad Request: invalid file_id")


async def test_broken_image_is_refused(emulator_server: EmulatorServer, api: Api, alice: User):
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice.id))
    form.add_field("photo", b"not an image", filename="x.png")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{api.base}/sendPhoto", data=form) as response,
    ):
        body = await response.json()
    assert (response.status, body["description"]) == (400, "Bad Request: IMAGE_PROCESS_FAILED")


async def test_polls_and_answers(api: Api, emu: EmulatorClient, alice: User):
    bob = await emu.create_user("Bob")
    group = await emu.create_group("Pohjoinen", members=[alice, bob])
    await group.add_bot(by=alice)
    sent = await api.ok(
        "sendPoll",
        chat_id=group.id,
        question="Kokousaika?",
        options=[{"text": "Ma"}, {"text": "Ti"}],
        is_anonymous=False,
    )
    poll_message = await group.expect_message(matching=lambda m: "poll" in m)
    await alice.answer_poll(poll_message, [1])
    poll = await api.next_update("poll")
    assert [o["voter_count"] for o in poll["options"]] == [0, 1]
    answer = await api.next_update("poll_answer")
    assert answer["user"]["id"] == alice.id
    assert answer["option_ids"] == [1]
    await bob.answer_poll(poll_message, [0])
    stopped = await api.ok("stopPoll", chat_id=group.id, message_id=sent["message_id"])
    assert stopped["is_closed"] is True
    assert stopped["total_voter_count"] == 2
    with pytest.raises(Exception, match="poll is closed"):
        await bob.answer_poll(poll_message, [1])
    assert await api.error("stopPoll", chat_id=group.id, message_id=sent["message_id"]) == (
        400,
        "Bad Request: poll has already been closed",
    )


async def test_anonymous_poll_has_no_poll_answer(api: Api, alice: User):
    await api.ok(
        "sendPoll", chat_id=alice.id, question="?", options=[{"text": "a"}, {"text": "b"}]
    )
    message = await alice.expect_message(matching=lambda m: "poll" in m)
    await alice.answer_poll(message, [0])
    updates = await api.ok("getUpdates", offset=-2)
    assert "poll" in updates[-1]
    assert all("poll_answer" not in u for u in updates)


async def test_group_bot_membership(api: Api, emu: EmulatorClient, alice: User):
    bob = await emu.create_user("Bob")
    group = await emu.create_group("Pohjoinen", members=[alice, bob])
    assert await api.error("sendMessage", chat_id=group.id, text="x") == (
        403,
        "Forbidden: bot is not a member of the group chat",
    )
    await group.add_bot(by=alice, admin=True)
    member = await api.next_update("my_chat_member")
    assert member["chat"]["id"] == group.id
    assert member["old_chat_member"]["status"] == "left"
    assert member["new_chat_member"]["status"] == "administrator"
    service = await api.next_update("message")
    assert service["new_chat_members"][0]["username"] == "poytabot"
    admins = await api.ok("getChatAdministrators", chat_id=group.id)
    assert {a["status"] for a in admins} == {"creator", "administrator"}
    assert await api.ok("getChatMemberCount", chat_id=group.id) == 3
    assert (await api.ok("getChatMember", chat_id=group.id, user_id=bob.id))["status"] == (
        "member"
    )
    await bob.leave(group)
    assert (await api.ok("getChatMember", chat_id=group.id, user_id=bob.id))["status"] == "left"
    await api.ok("leaveChat", chat_id=group.id)
    assert await api.error("sendMessage", chat_id=group.id, text="x") == (
        403,
        "Forbidden: bot is not a member of the group chat",
    )


async def test_privacy_mode_in_groups(api: Api, emu: EmulatorClient, alice: User):
    group = await emu.create_group("Pohjoinen", members=[alice])
    await group.add_bot(by=alice)
    await api.ok("getUpdates", offset=-1)
    await api.ok("getUpdates", offset=(await api.ok("getUpdates"))[-1]["update_id"] + 1)
    await alice.send("tavallinen viesti", chat=group)
    await alice.send("/kokous", chat=group)
    updates = await api.ok("getUpdates")
    assert [u["message"]["text"] for u in updates] == ["/kokous"]


async def test_group_messages_and_group_expect(api: Api, emu: EmulatorClient, alice: User):
    group = await emu.create_group("Pohjoinen", members=[alice])
    await group.add_bot(by=alice)
    await api.ok("sendMessage", chat_id=group.id, text="Hei ryhmä")
    assert text_of(await group.expect_message(containing="Hei ryhmä")) == "Hei ryhmä"
    await group.expect_no_message(within=0.1)


async def test_upgrade_to_supergroup(api: Api, emu: EmulatorClient, alice: User):
    group = await emu.create_group("Pohjoinen", members=[alice])
    await group.add_bot(by=alice)
    old_id = group.id
    await group.upgrade(by=alice)
    assert group.id != old_id and str(group.id).startswith("-100")
    status, body, _ = await api.call("sendMessage", chat_id=old_id, text="x")
    assert status == 400
    assert body["description"] == "Bad Request: group chat was upgraded to a supergroup chat"
    assert body["parameters"] == {"migrate_to_chat_id": group.id}
    updates = await api.ok("getUpdates", offset=-2)
    assert updates[0]["message"]["migrate_to_chat_id"] == group.id
    assert updates[1]["message"]["migrate_from_chat_id"] == old_id
    sent = await api.ok("sendMessage", chat_id=group.id, text="Supergroup")
    assert sent["chat"]["type"] == "supergroup"
    await alice.send("/start", chat=group)


async def test_forum_topics(api: Api, emu: EmulatorClient, alice: User):
    group = await emu.create_group("Foorumi", members=[alice], forum=True)
    await group.add_bot(by=alice, admin=True)
    topic = await api.ok("createForumTopic", chat_id=group.id, name="Kokoukset")
    sent = await api.ok(
        "sendMessage",
        chat_id=group.id,
        text="Aiheessa",
        message_thread_id=topic["message_thread_id"],
    )
    assert sent["is_topic_message"] is True
    assert sent["message_thread_id"] == topic["message_thread_id"]
    assert await api.error("sendMessage", chat_id=group.id, text="x", message_thread_id=999) == (
        400,
        "Bad Request: message thread not found",
    )
    plain = await emu.create_group("Tavallinen", members=[alice])
    await plain.add_bot(by=alice, admin=True)
    assert await api.error("createForumTopic", chat_id=plain.id, name="x") == (
        400,
        "Bad Request: the chat is not a forum",
    )


async def test_block_and_unblock_send_my_chat_member(api: Api, alice: User):
    await alice.block_bot()
    update = await api.next_update("my_chat_member")
    assert update["new_chat_member"]["status"] == "kicked"
    await alice.unblock_bot()
    update = await api.next_update("my_chat_member")
    assert update["new_chat_member"]["status"] == "member"


async def test_copy_and_forward(api: Api, emu: EmulatorClient, alice: User):
    bob = await emu.create_user("Bob")
    await bob.send("/start")
    original = await alice.send("Terveisiä")
    copied = await api.ok(
        "copyMessage", chat_id=bob.id, from_chat_id=alice.id, message_id=original["message_id"]
    )
    forwarded = await api.ok(
        "forwardMessage", chat_id=bob.id, from_chat_id=alice.id, message_id=original["message_id"]
    )
    assert forwarded["forward_origin"]["sender_user"]["id"] == alice.id
    history = await bob.history()
    assert [m["message_id"] for m in history][-2:] == [
        copied["message_id"],
        forwarded["message_id"],
    ]
    assert [text_of(m) for m in history][-2:] == ["Terveisiä", "Terveisiä"]


async def test_commands_menu_and_chat_action(api: Api, alice: User):
    scope = {"type": "all_private_chats"}
    await api.ok(
        "setMyCommands",
        commands=[{"command": "apua", "description": "Ohjeet"}],
        scope=scope,
        language_code="fi",
    )
    assert await api.ok("getMyCommands") == []
    assert await api.ok("getMyCommands", scope=scope, language_code="fi") == [
        {"command": "apua", "description": "Ohjeet"}
    ]
    await api.ok("deleteMyCommands", scope=scope, language_code="fi")
    assert await api.ok("getMyCommands", scope=scope, language_code="fi") == []
    await api.ok("setChatMenuButton", chat_id=alice.id, menu_button={"type": "commands"})
    assert await api.ok("sendChatAction", chat_id=alice.id, action="typing") is True
    assert await api.error("sendChatAction", chat_id=alice.id, action="dancing") == (
        400,
        "Bad Request: wrong parameter action in request",
    )
    assert await api.ok("logOut") is True


async def test_event_stream(emulator_server: EmulatorServer, api: Api, alice: User):
    url = f"{emulator_server.base_url}/_emulator/events?user_id={alice.id}"
    events: list[tuple[str, dict]] = []
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.headers["Content-Type"] == "text/event-stream"
        await response.content.readline()  # ": connected"
        await response.content.readline()
        sent = await api.ok("sendMessage", chat_id=alice.id, text="Uusi")
        await api.ok(
            "editMessageText", chat_id=alice.id, message_id=sent["message_id"], text="Muokattu"
        )
        await api.ok("deleteMessage", chat_id=alice.id, message_id=sent["message_id"])
        while len(events) < 3:
            kind = (await response.content.readline()).decode().strip()
            data = (await response.content.readline()).decode().strip()
            await response.content.readline()
            events.append((kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    assert [k for k, _ in events] == ["message", "edit", "delete"]
    assert events[0][1]["text"] == "Uusi"
    assert events[1][1]["text"] == "Muokattu"
    assert events[2][1] == {"chat_id": alice.id, "message_id": sent["message_id"]}


async def test_users_and_chats_listing(emu: EmulatorClient, alice: User):
    group = await emu.create_group("Pohjoinen", members=[alice])
    users = await emu.users()
    assert [u["first_name"] for u in users] == ["Alice"]
    chats = await emu.chats(alice)
    assert {c["id"] for c in chats} == {alice.id, group.id}


async def test_bots_listing(emu: EmulatorClient):
    bots = await emu.bots()
    assert [(b["id"], b["username"], b["first_name"]) for b in bots] == [
        (emu.bot_id, "poytabot", "Pöytäbotti")
    ]


async def test_command_menu_follows_telegrams_scope_order(api: Api, emu: EmulatorClient):
    alice = await emu.create_user("Alice", language_code="sv")
    bob = await emu.create_user("Bob")
    group = await emu.create_group("Pohjoinen", members=[alice, bob])
    await group.add_bot(by=alice)

    def menu(*names: str) -> list[dict[str, str]]:
        return [{"command": name, "description": name.capitalize()} for name in names]

    async def set_menu(scope: dict, names: tuple[str, ...], language: str = "") -> None:
        await api.ok(
            "setMyCommands",
            commands=menu(*names),
            scope=scope,
            **({"language_code": language} if language else {}),
        )

    assert await alice.commands() == []
    await set_menu({"type": "default"}, ("apua",))
    assert await alice.commands() == menu("apua")
    assert await alice.commands(group) == menu("apua")
    await set_menu({"type": "all_private_chats"}, ("valikko",))
    await set_menu({"type": "all_private_chats"}, ("meny",), "sv")
    assert await alice.commands() == menu("meny")
    assert await bob.commands() == menu("valikko")
    await set_menu({"type": "chat", "chat_id": bob.id}, ("oma",))
    assert await bob.commands() == menu("oma")
    await set_menu({"type": "all_group_chats"}, ("ryhma",))
    await set_menu({"type": "all_chat_administrators"}, ("hallinta",))
    assert await bob.commands(group) == menu("ryhma")
    assert await alice.commands(group) == menu("hallinta")  # the group's creator
    await set_menu({"type": "chat_member", "chat_id": group.id, "user_id": bob.id}, ("bob",))
    assert await bob.commands(group) == menu("bob")


async def test_browser_chat_files_are_served(
    emulator_server: EmulatorServer, http: aiohttp.ClientSession
):
    async with http.get(emulator_server.base_url + "/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    for name, kind in (("app.js", "javascript"), ("style.css", "text/css")):
        assert f"/_emulator/web/{name}" in page
        async with http.get(f"{emulator_server.base_url}/_emulator/web/{name}") as response:
            assert response.status == 200
            assert kind in response.content_type
    async with http.get(emulator_server.base_url + "/_emulator/web/..%2Fcontrol.py") as response:
        assert response.status == 404


async def test_reply_keyboard_is_shown_to_the_user(api: Api, alice: User):
    await api.ok(
        "sendMessage",
        chat_id=alice.id,
        text="Valitse",
        reply_markup={"keyboard": [["Kyllä", {"text": "Ei"}]], "resize_keyboard": True},
    )
    message = await alice.expect_message("Valitse")
    assert "reply_markup" not in message
    assert message["reply_keyboard"]["keyboard"] == [["Kyllä", {"text": "Ei"}]]


async def test_private_users_cannot_be_addressed_by_username(api: Api, alice: User):
    assert await api.error("sendMessage", chat_id="@alice", text="x") == (
        400,
        "Bad Request: chat not found",
    )


async def test_copying_a_poll_is_refused(api: Api, alice: User):
    sent = await api.ok("sendPoll", chat_id=alice.id, question="?", options=["a", "b"])
    assert await api.error(
        "copyMessage", chat_id=alice.id, from_chat_id=alice.id, message_id=sent["message_id"]
    ) == (400, "Bad Request: message can't be copied")


async def test_expect_edit(api: Api, alice: User):
    sent = await api.ok("sendMessage", chat_id=alice.id, text="Odota")
    message = await alice.expect_message("Odota")

    async def edit_later() -> None:
        await asyncio.sleep(0.1)
        await api.ok(
            "editMessageText", chat_id=alice.id, message_id=sent["message_id"], text="Valmis"
        )

    task = asyncio.create_task(edit_later())
    edited = await alice.expect_edit(message, containing="Valmis", timeout=2)
    assert edited["edit_date"] >= sent["date"]
    await task
    with pytest.raises(AssertionError, match="was not edited"):
        await alice.expect_edit(edited, timeout=0.1)


async def test_reading_history_does_not_start_a_private_chat(api: Api, emu: EmulatorClient):
    bob = await emu.create_user("Bob")
    assert await bob.history() == []
    await bob.expect_no_message(within=0.05)
    assert await api.error("sendMessage", chat_id=bob.id, text="x") == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )


async def test_removed_bot_is_kicked(api: Api, emu: EmulatorClient, alice: User):
    group = await emu.create_group("Pohjoinen", members=[alice])
    await group.add_bot(by=alice)
    await group.remove_bot(by=alice)
    update = await api.next_update("my_chat_member")
    assert update["new_chat_member"]["status"] == "member"
    update = await api.next_update("my_chat_member")
    assert update["new_chat_member"]["status"] == "left"
    assert await api.error("sendMessage", chat_id=group.id, text="x") == (
        403,
        "Forbidden: bot was kicked from the group chat",
    )
    await group.add_bot(by=alice)
    await api.ok("sendMessage", chat_id=group.id, text="Taas täällä")


async def test_protected_content_cannot_be_copied_or_forwarded(api: Api, alice: User):
    sent = await api.ok("sendMessage", chat_id=alice.id, text="Salainen", protect_content=True)
    assert sent["has_protected_content"] is True
    for method in ("copyMessage", "forwardMessage"):
        status, description = await api.error(
            method, chat_id=alice.id, from_chat_id=alice.id, message_id=sent["message_id"]
        )
        assert status == 400
        assert description.startswith("Bad Request: message can't be")


async def test_pinning_in_a_group_needs_admin_rights(api: Api, emu: EmulatorClient, alice: User):
    group = await emu.create_group("Pohjoinen", members=[alice])
    await group.add_bot(by=alice)
    sent = await api.ok("sendMessage", chat_id=group.id, text="Kiinnitä")
    assert await api.error("pinChatMessage", chat_id=group.id, message_id=sent["message_id"]) == (
        400,
        "Bad Request: not enough rights to manage pinned messages in the chat",
    )


async def test_people_talk_to_the_bot_registered_last(
    emu: EmulatorClient, emulator_server: EmulatorServer, http: aiohttp.ClientSession
):
    await emu.create_bot(token="777:OTHER", username="toinen_bot", first_name="Toinen")
    alice = await emu.create_user("Alice")
    await alice.send("/start")
    other = Api(http, emulator_server.base_url, token="777:OTHER")
    assert [u["message"]["text"] for u in await other.ok("getUpdates")] == ["/start"]
    await other.ok("sendMessage", chat_id=alice.id, text="Toinen botti")
    assert text_of(await alice.expect_message()) == "Toinen botti"
