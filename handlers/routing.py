"""Routing helpers every feature uses: commands, command-or-menu, refusals, the pressed message."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from views.callbacks import Menu, MenuItem
from views.commands import BY_NAME
from views.common import STALE_BUTTON

MessageHandler = TypeVar("MessageHandler", bound=Callable[..., Awaitable[Any]])


class Refused(Exception):
    """Stop here and tell the person why: an alert for a press, a reply for a message.

    Raised before anything is shown; `bot.middlewares.AnswerRefusals` undoes what the update
    wrote since its handling began and answers. The text may be lazy: it is read in the
    person's language when the answer is written.
    """

    def __init__(self, text: str | LazyProxy) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return str(self.text)


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

    From the menu, the handler gets the menu's message to answer in (written by the bot: ask
    `person` or `access`, not `message.from_user`, who pressed) and no command arguments. The
    press is answered once, after the handler; a `Refused` from it becomes the alert instead.
    """

    def register(handler: MessageHandler) -> MessageHandler:
        if name is not None:
            router.message.register(handler, command(name))
        if item is not None:
            router.callback_query.register(_from_menu(handler), MenuItem.filter(F.item == item))
        return handler

    return register


def _from_menu(handler: MessageHandler) -> Callable[..., Awaitable[Any]]:
    parameters = list(inspect.signature(handler).parameters.values())
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
    # The first parameter is the message; the rest are named workflow data.
    wanted = {p.name for p in parameters[1:] if p.kind is not inspect.Parameter.VAR_KEYWORD}

    async def from_menu(query: CallbackQuery, **data: Any) -> Any:
        message = message_of(query)
        arguments = data if takes_all else {k: v for k, v in data.items() if k in wanted}
        result = await handler(message, **arguments)
        await query.answer()
        return result

    from_menu.__name__ = from_menu.__qualname__ = f"{handler.__name__}_from_menu"
    return from_menu


class PressFor(Filter):
    """A press whose callback data has one of these prefixes (see `gate_presses`)."""

    def __init__(self, prefixes: frozenset[tuple[str, str]]) -> None:
        self.prefixes = prefixes

    async def __call__(self, query: CallbackQuery) -> bool:
        data = query.data or ""
        return any(data.split(separator, 1)[0] == prefix for prefix, separator in self.prefixes)


def gate_presses(router: Router) -> None:
    """Let a press into a router (and its sub-routers) only when one of its handlers can take
    the button's callback-data prefix.

    aiogram asks router after router, handler after handler, each with all its filters; a press
    for the ninth router paid for the eight before it. Now a router whose every press handler
    names its CallbackData answers with one set look-up. A router with a handler that takes any
    press (the fallback) is not gated. The order in which routers are asked does not change.
    """
    prefixes = _press_prefixes(router)
    if prefixes is not None:
        router.callback_query.filter(PressFor(prefixes))
    for sub_router in router.sub_routers:
        gate_presses(sub_router)


def _press_prefixes(router: Router) -> frozenset[tuple[str, str]] | None:
    """The (prefix, separator) of every press `router` can handle; None when it takes any."""
    found: set[tuple[str, str]] = set()
    for handler in router.callback_query.handlers:
        typed = [
            f.callback
            for f in handler.filters or ()
            if isinstance(f.callback, CallbackQueryFilter)
        ]
        if not typed:
            return None
        data = typed[0].callback_data
        found.add((data.__prefix__, data.__separator__))
    for sub_router in router.sub_routers:
        inner = _press_prefixes(sub_router)
        if inner is None:
            return None
        found |= inner
    return frozenset(found)
