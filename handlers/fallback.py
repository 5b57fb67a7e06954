"""Last in line: what nobody else understood gets a friendly pointer to /menu."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from views.commands import KNOWN_NAMES
from views.common import NOT_UNDERSTOOD, NOT_YOURS, STALE_BUTTON


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.register(not_understood, F.chat.type == "private")
    router.callback_query.register(stale_button)
    return router


async def not_understood(message: Message) -> None:
    word = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    if word.startswith("/") and word[1:].split("@")[0].lower() in KNOWN_NAMES:
        # A real command that this person's role does not include.
        await message.answer(str(NOT_YOURS))
        return
    await message.answer(str(NOT_UNDERSTOOD))


async def stale_button(query: CallbackQuery) -> None:
    await query.answer(str(STALE_BUTTON), show_alert=True)
