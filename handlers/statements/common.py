"""What every step of the statement conversation shares: the forms' states, typed answers, and
replying in the person's own chat."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from notify.table import send_private
from views.common import OPEN_PRIVATE_CHAT
from views.text import split_text

# A typed answer in a step of a form; a command goes on to whoever handles it.
ANSWER = F.text & ~F.text.startswith("/")


class StatementForm(StatesGroup):
    subject = State()
    requester = State()
    case_number = State()
    background = State()
    city_due = State()
    internal_due = State()


class Drafting(StatesGroup):
    collecting = State()


class Amending(StatesGroup):
    old = State()
    new = State()


class Dissenting(StatesGroup):
    text = State()


class Submitting(StatesGroup):
    to = State()


def text_of(message: Message) -> str:
    return (message.text or "").strip()


async def reply_privately(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Answer in the person's own chat: a card pressed in the group opens privately."""
    bot = query.bot
    assert bot is not None
    parts = split_text(text)
    for index, part in enumerate(parts):
        sent = await send_private(
            bot, query.from_user.id, part, markup if index == len(parts) - 1 else None
        )
        if not sent:
            with suppress(TelegramBadRequest):  # already answered: nothing more to say
                await query.answer(str(OPEN_PRIVATE_CHAT), show_alert=True)
            return
