"""Keeps aiogram's `Response[...]` classes alive for as long as the bot lives.

aiogram checks every Bot API answer with `Response[method.__returning__]`. pydantic caches such
parametrized generic classes only weakly, so each garbage collection drops them and the next
call builds the class again (a pydantic model build: milliseconds of CPU). Profiled under
load, that rebuilding took 11-15 % of the bot's time. Holding a reference is enough.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class KeepResponseTypes(BaseRequestMiddleware):
    """Holds `Response[T]` for each answer type T the bot has asked for."""

    def __init__(self) -> None:
        self._kept: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._kept:
            self._kept[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
