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
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="Kyllä", callback_data="join:yes"),
            InlineKeyboardButton(text="Ei", callback_data="join:no"),
        ]])
        await message.answer("<b>Tervetuloa</b> pöytään!", parse_mode="HTML",
                             reply_markup=keyboard)

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
