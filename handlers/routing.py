"""Routing helpers every feature uses: commands, command-or-menu, refusals, the pressed message."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from views.callbacks import Menu, MenuItem
from views.commands import BY_NAME
from views.common import STALE_BUTTON

MessageHandler = TypeVar("MessageHandler", bound=Callable[..., Awaitable[Any]])


class Refused(Exception):
    """Stop here and tell the person why: an alert for a press, a reply for a message.

    Raised before anything is written; `bot.middlewares.AnswerRefusals` rolls back and answers.
    """

    def __init__(self, text: str | LazyProxy) -> None:
        super().__init__(str(text))
        self.text = text


def command(name: str) -> Command:
    """A filter matching the command and its Finnish alias."""
    spec = BY_NAME[name]
    return Command(*(n for n in (spec.name, spec.alias_fi) if n))


def message_of(query: CallbackQuery) -> Message:
    """The message a button was pressed on; a button on a message gone from the chat is stale."""
    if not isinstance(query.message, Message):
        raise Refused(STALE_BUTTON)
    return query.message


def command_or_menu(
    router: Router, name: str | None, item: Menu | None = None
) -> Callable[[MessageHandler], MessageHandler]:
    """One function answers `/name` (and its Finnish alias) and the /menu button `item`.

    From the menu, the handler gets the menu's message to answer in, and no command arguments.
    """

    def register(handler: MessageHandler) -> MessageHandler:
        if name is not None:
            router.message.register(handler, command(name))
        if item is not None:
            wanted = set(inspect.signature(handler).parameters)

            async def from_menu(query: CallbackQuery, **data: Any) -> Any:
                message = message_of(query)
                await query.answer()
                return await handler(message, **{k: v for k, v in data.items() if k in wanted})

            from_menu.__name__ = f"{handler.__name__}_from_menu"
            router.callback_query.register(from_menu, MenuItem.filter(F.item == item))
        return handler

    return register
