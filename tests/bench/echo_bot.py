"""The floor: a bare aiogram bot that answers every press and echoes every message.

    python -m tests.bench.echo_bot   (settings from the same POYTABOT_ variables as the bot)

It logs like the bot (INFO, one line per update from aiogram) and polls or takes a webhook the
same way, so what poytabot costs beyond it is poytabot's own.
"""

from __future__ import annotations

import asyncio
import logging
import os

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

PATH = "/telegram/webhook"


def create_dispatcher() -> Dispatcher:
    router = Router()

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer(f"Painoit: {query.data}", show_alert=True)

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


def create_bot() -> Bot:
    api = TelegramAPIServer.from_base(os.environ["POYTABOT_API_BASE_URL"])
    return Bot(os.environ["POYTABOT_BOT_TOKEN"], session=AiohttpSession(api=api))


async def poll() -> None:
    bot = create_bot()
    dispatcher = create_dispatcher()
    await bot.delete_webhook()
    await dispatcher.start_polling(bot, allowed_updates=["message", "callback_query"])


def serve_webhook() -> None:
    bot = create_bot()
    dispatcher = create_dispatcher()
    secret = os.environ["POYTABOT_WEBHOOK_SECRET"]
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=secret).register(app, path=PATH)
    setup_application(app, dispatcher, bot=bot)

    async def set_webhook(_: web.Application) -> None:
        await bot.set_webhook(
            os.environ["POYTABOT_WEBHOOK_URL"] + PATH,
            secret_token=secret,
            allowed_updates=["message", "callback_query"],
        )

    app.on_startup.append(set_webhook)
    host, _, port = os.environ["POYTABOT_WEBHOOK_LISTEN"].rpartition(":")
    web.run_app(app, host=host, port=int(port), print=None)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if os.environ.get("POYTABOT_MODE") == "webhook":
        serve_webhook()
    else:
        asyncio.run(poll())


if __name__ == "__main__":
    main()
