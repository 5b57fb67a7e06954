"""Cross-check: an unmodified aiogram bot against the emulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    PollAnswer,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from emulator import EmulatorClient, EmulatorServer, buttons, text_of
from tests.emulator.conftest import TOKEN


def make_router(seen: dict[str, object]) -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Kyllä", callback_data="join:yes"),
                    InlineKeyboardButton(text="Ei", callback_data="join:no"),
                ]
            ]
        )
        await message.answer(
            "<b>Tervetuloa</b> pöytään!", parse_mode="HTML", reply_markup=keyboard
        )

    @router.callback_query(F.data.startswith("join:"))
    async def join(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"Vastasit: {query.data}")
        await query.answer("Kiitos!")

    @router.message(F.document)
    async def document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        data = await bot.download(message.document.file_id)
        assert data is not None
        seen["document"] = data.read()
        await message.answer_document(
            BufferedInputFile(b"reply " + seen["document"], filename="vastaus.txt"),  # type: ignore[operator]
            caption="Tässä",
        )

    @router.message(Command("kysely"))
    async def poll(message: Message) -> None:
        await message.answer_poll("Sopiiko ma?", options=["Kyllä", "Ei"], is_anonymous=False)

    @router.poll_answer()
    async def poll_answer(answer: PollAnswer) -> None:
        seen["poll_answer"] = answer.option_ids

    return router


@pytest.fixture
async def bot(emulator_server: EmulatorServer, emu: EmulatorClient) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator_server.base_url))
    bot = Bot(TOKEN, session=session)
    yield bot
    await bot.session.close()


@contextlib.asynccontextmanager
async def polling(bot: Bot, seen: dict[str, object]) -> AsyncIterator[Dispatcher]:
    dp = Dispatcher()
    dp.include_router(make_router(seen))
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, polling_timeout=1, close_bot_session=False)
    )
    try:
        yield dp
    finally:
        await dp.stop_polling()
        await task


async def test_get_me(bot: Bot):
    me = await bot.get_me()
    assert me.username == "poytabot"
    assert me.first_name == "Pöytäbotti"


async def test_polling_send_edit_and_callbacks(bot: Bot, emu: EmulatorClient):
    alice = await emu.create_user("Alice", username="alice")
    async with polling(bot, {}):
        await alice.send("/start")
        welcome = await alice.expect_message(containing="Tervetuloa pöytään!")
        assert welcome["entities"] == [{"type": "bold", "offset": 0, "length": 10}]
        assert buttons(welcome) == [["Kyllä", "Ei"]]
        answer = await alice.press("Kyllä")
        assert answer["text"] == "Kiitos!"
        history = await alice.history()
        assert text_of(history[-1]) == "Vastasit: join:yes"
        assert "reply_markup" not in history[-1]


async def test_file_upload_and_download(bot: Bot, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    seen: dict[str, object] = {}
    async with polling(bot, seen):
        await alice.send_document("muistio.txt", b"muistio")
        reply = await alice.expect_message(containing="Tässä")
    assert seen["document"] == b"muistio"
    assert reply["document"]["file_name"] == "vastaus.txt"
    assert await emu.download(reply["document"]["file_id"]) == b"reply muistio"


async def test_polls(bot: Bot, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    seen: dict[str, object] = {}
    async with polling(bot, seen):
        await alice.send("/kysely")
        poll_message = await alice.expect_message(matching=lambda m: "poll" in m)
        await alice.answer_poll(poll_message, [1])
        for _ in range(100):
            if "poll_answer" in seen:
                break
            await asyncio.sleep(0.02)
    assert seen["poll_answer"] == [1]


async def test_errors_map_to_aiogram_exceptions(bot: Bot, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(alice.id, "hei")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(12345, "hei")
    await alice.send("/start")
    await emu.inject_faults(too_many_rate=1.0, retry_after=7, methods=["sendMessage"])
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(alice.id, "hei")
    assert caught.value.retry_after == 7


async def test_rate_limit_is_retry_after(bot: Bot, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    await alice.send("/start")
    await emu.set_rate_limits(True)
    with pytest.raises(TelegramRetryAfter) as caught:
        for _ in range(5):
            await bot.send_message(alice.id, "hei")
    assert caught.value.retry_after >= 1


async def test_webhook(bot: Bot, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    dp = Dispatcher()
    dp.include_router(make_router({}))
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token="salainen").register(app, path="/webhook")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/webhook", secret_token="salainen")
        assert (await bot.get_webhook_info()).url.endswith("/webhook")
        await alice.send("/start")
        await alice.expect_message(containing="Tervetuloa")
        answer = await alice.press("Ei")
        assert answer["text"] == "Kiitos!"
        await bot.delete_webhook()
    finally:
        await runner.cleanup()


async def test_every_method_poytabot_calls_parses_in_aiogram(bot: Bot, emu: EmulatorClient):
    from aiogram.types import (
        BotCommand,
        BotCommandScopeAllPrivateChats,
        MenuButtonCommands,
        ReplyParameters,
    )

    alice = await emu.create_user("Alice", username="alice")
    bob = await emu.create_user("Bob")
    await alice.send("/start")
    group = await emu.create_group("Foorumi", members=[alice, bob], forum=True)
    await group.add_bot(by=alice, admin=True)

    sent = await bot.send_message(alice.id, "Hei", reply_parameters=ReplyParameters(message_id=1))
    assert sent.reply_to_message is not None
    edited = await bot.edit_message_text("Moi", chat_id=alice.id, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "Moi"
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="a")]]
    )
    await bot.edit_message_reply_markup(
        chat_id=alice.id, message_id=sent.message_id, reply_markup=keyboard
    )
    document = await bot.send_document(
        alice.id, BufferedInputFile(b"doc", "a.txt"), caption="Liite"
    )
    await bot.edit_message_caption(
        chat_id=alice.id, message_id=document.message_id, caption="Uusi"
    )
    photo = await bot.send_photo(alice.id, BufferedInputFile(_png(), "p.png"))
    assert photo.photo is not None and photo.photo[0].width == 2
    file = await bot.get_file(photo.photo[0].file_id)
    assert file.file_path
    assert await bot.pin_chat_message(alice.id, sent.message_id)
    assert await bot.unpin_chat_message(alice.id, message_id=sent.message_id)
    copied = await bot.copy_message(alice.id, alice.id, sent.message_id)
    assert copied.message_id > sent.message_id
    forwarded = await bot.forward_message(alice.id, alice.id, sent.message_id)
    assert forwarded.forward_origin is not None
    assert await bot.send_chat_action(alice.id, "typing")
    poll = await bot.send_poll(group.id, "Kysely", options=["a", "b"])
    stopped = await bot.stop_poll(group.id, poll.message_id)
    assert stopped.is_closed
    topic = await bot.create_forum_topic(group.id, "Kokoukset")
    await bot.send_message(group.id, "Aiheessa", message_thread_id=topic.message_thread_id)
    assert await bot.delete_message(alice.id, copied.message_id)
    assert await bot.delete_messages(alice.id, [forwarded.message_id])
    chat = await bot.get_chat(group.id)
    assert chat.title == "Foorumi" and chat.is_forum
    private = await bot.get_chat(alice.id)
    assert private.username == "alice"
    member = await bot.get_chat_member(group.id, alice.id)
    assert member.status == "creator"
    admins = await bot.get_chat_administrators(group.id)
    assert len(admins) == 2
    assert await bot.get_chat_member_count(group.id) == 3
    scope = BotCommandScopeAllPrivateChats()
    assert await bot.set_my_commands(
        [BotCommand(command="start", description="Aloita")], scope=scope
    )
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["start"]
    assert await bot.delete_my_commands(scope=scope)
    assert await bot.set_chat_menu_button(chat_id=alice.id, menu_button=MenuButtonCommands())
    assert await bot.get_webhook_info()
    assert await bot.leave_chat(group.id)
    assert await bot.log_out()
    await emu.configure(close_lockout=0)
    assert await bot.close()


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2, 2)).save(out, format="PNG")
    return out.getvalue()
