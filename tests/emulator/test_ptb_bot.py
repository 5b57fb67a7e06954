"""Cross-check: an unmodified python-telegram-bot bot against the emulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from emulator import EmulatorClient, EmulatorServer, buttons, text_of
from tests.emulator.conftest import TOKEN

Context = ContextTypes.DEFAULT_TYPE


def build(base_url: str, seen: dict[str, object]) -> Application:
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
        .build()
    )

    async def start(update: Update, context: Context) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Kyllä", callback_data="yes")]])
        await update.effective_message.reply_html("<i>Moi</i> PTB:stä", reply_markup=keyboard)

    async def pressed(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Selvä", show_alert=True)
        await query.edit_message_text("Painoit: " + str(query.data))

    async def document(update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.document is not None
        file = await message.document.get_file()
        data = bytes(await file.download_as_bytearray())
        seen["document"] = data
        await message.reply_document(data[::-1], filename="takaperin.txt")

    async def poll(update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        await context.bot.send_poll(
            update.effective_chat.id, "Sopiiko?", ["Kyllä", "Ei"], is_anonymous=False
        )

    async def poll_answer(update: Update, context: Context) -> None:
        assert update.poll_answer is not None
        seen["poll_answer"] = list(update.poll_answer.option_ids)

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("kysely", poll))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    app.add_handler(PollAnswerHandler(poll_answer))
    return app


@contextlib.asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    await app.initialize()
    await app.start()
    try:
        yield app
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await app.stop()
        await app.shutdown()


@contextlib.asynccontextmanager
async def polling(base_url: str, seen: dict[str, object]) -> AsyncIterator[Application]:
    async with running(build(base_url, seen)) as app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        yield app


async def test_polling_send_edit_and_callbacks(
    emulator_server: EmulatorServer, emu: EmulatorClient
):
    alice = await emu.create_user("Alice")
    async with polling(emulator_server.base_url, {}):
        await alice.send("/start")
        hello = await alice.expect_message(containing="Moi PTB:stä")
        assert hello["entities"] == [{"type": "italic", "offset": 0, "length": 3}]
        assert buttons(hello) == [["Kyllä"]]
        assert await alice.press("Kyllä") == {"text": "Selvä", "show_alert": True}
        assert text_of((await alice.history())[-1]) == "Painoit: yes"


async def test_file_upload_and_download(emulator_server: EmulatorServer, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    seen: dict[str, object] = {}
    async with polling(emulator_server.base_url, seen):
        await alice.send_document("a.txt", b"abc")
        reply = await alice.expect_message(matching=lambda m: "document" in m)
    assert seen["document"] == b"abc"
    assert await emu.download(reply["document"]["file_id"]) == b"cba"


async def test_polls(emulator_server: EmulatorServer, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    seen: dict[str, object] = {}
    async with polling(emulator_server.base_url, seen):
        await alice.send("/kysely")
        message = await alice.expect_message(matching=lambda m: "poll" in m)
        await alice.answer_poll(message, [0])
        for _ in range(100):
            if "poll_answer" in seen:
                break
            await asyncio.sleep(0.02)
    assert seen["poll_answer"] == [0]


# PTB 22 announces that retry_after will become a timedelta; the value is what we check.
@pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
async def test_errors_and_retry_after(emulator_server: EmulatorServer, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    async with running(build(emulator_server.base_url, {})) as app:
        with pytest.raises(Forbidden, match="bot can't initiate conversation"):
            await app.bot.send_message(alice.id, "hei")
        with pytest.raises(BadRequest, match=r"[Cc]hat not found"):
            await app.bot.send_message(4242, "hei")
        await alice.send("/start")
        await emu.inject_faults(too_many_rate=1.0, retry_after=5, methods=["sendMessage"])
        with pytest.raises(RetryAfter) as caught:
            await app.bot.send_message(alice.id, "hei")
        retry_after = caught.value.retry_after
        seconds = retry_after if isinstance(retry_after, int) else retry_after.total_seconds()
        assert seconds == 5


async def test_webhook(emulator_server: EmulatorServer, emu: EmulatorClient):
    alice = await emu.create_user("Alice")
    async with running(build(emulator_server.base_url, {})) as app:

        async def receive(request: web.Request) -> web.Response:
            assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "ptb-secret"
            update = Update.de_json(await request.json(), app.bot)
            await app.process_update(update)
            return web.Response()

        hook = web.Application()
        hook.router.add_post("/ptb", receive)
        runner = web.AppRunner(hook)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            await app.bot.set_webhook(f"http://127.0.0.1:{port}/ptb", secret_token="ptb-secret")
            await alice.send("/start")
            await alice.expect_message(containing="Moi")
            info = await app.bot.get_webhook_info()
            assert info.url.endswith("/ptb")
            await app.bot.delete_webhook()
        finally:
            await runner.cleanup()


async def test_every_method_poytabot_calls_parses_in_ptb(
    emulator_server: EmulatorServer, emu: EmulatorClient
):
    import io

    from PIL import Image
    from telegram import BotCommand, BotCommandScopeAllPrivateChats, MenuButtonCommands

    image = io.BytesIO()
    Image.new("RGB", (3, 2)).save(image, format="PNG")
    alice = await emu.create_user("Alice", username="alice")
    await alice.send("/start")
    group = await emu.create_group("Foorumi", members=[alice], forum=True)
    await group.add_bot(by=alice, admin=True)
    async with running(build(emulator_server.base_url, {})) as app:
        bot = app.bot
        sent = await bot.send_message(alice.id, "Hei", reply_to_message_id=1)
        edited = await bot.edit_message_text("Moi", chat_id=alice.id, message_id=sent.message_id)
        assert not isinstance(edited, bool) and edited.text == "Moi"
        await bot.edit_message_reply_markup(
            alice.id,
            sent.message_id,
            reply_markup=(InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])),
        )
        document = await bot.send_document(alice.id, b"doc", filename="a.txt", caption="Liite")
        await bot.edit_message_caption(alice.id, document.message_id, caption="Uusi")
        photo = await bot.send_photo(alice.id, image.getvalue())
        assert photo.photo[0].width == 3
        file = await bot.get_file(photo.photo[0].file_id)
        assert bytes(await file.download_as_bytearray()) == image.getvalue()
        assert await bot.pin_chat_message(alice.id, sent.message_id)
        assert await bot.unpin_chat_message(alice.id)
        copied = await bot.copy_message(alice.id, alice.id, sent.message_id)
        forwarded = await bot.forward_message(alice.id, alice.id, sent.message_id)
        assert forwarded.forward_origin is not None
        assert await bot.send_chat_action(alice.id, "typing")
        poll = await bot.send_poll(group.id, "Kysely", ["a", "b"])
        assert (await bot.stop_poll(group.id, poll.message_id)).is_closed
        topic = await bot.create_forum_topic(group.id, "Kokoukset")
        assert topic.name == "Kokoukset"
        assert await bot.delete_message(alice.id, copied.message_id)
        assert await bot.delete_messages(alice.id, [forwarded.message_id])
        assert (await bot.get_chat(group.id)).title == "Foorumi"
        assert (await bot.get_chat_member(group.id, alice.id)).status == "creator"
        assert len(await bot.get_chat_administrators(group.id)) == 2
        assert await bot.get_chat_member_count(group.id) == 2
        scope = BotCommandScopeAllPrivateChats()
        assert await bot.set_my_commands([BotCommand("start", "Aloita")], scope=scope)
        assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["start"]
        assert await bot.delete_my_commands(scope=scope)
        assert await bot.set_chat_menu_button(alice.id, MenuButtonCommands())
        assert await bot.leave_chat(group.id)
