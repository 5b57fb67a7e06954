"""Long lists a page at a time: Telegram refuses a message with more than 100 buttons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

PAGE_SIZE = 10
# A page number in button data; a forged one past the end shows the last page.
PageNumber = Annotated[int, Field(ge=0, le=1_000_000)]

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int  # from 0
    count: int

    @property
    def label(self) -> str:
        """`Sivu 2/11.`, or nothing when everything fits on one page."""
        if self.count <= 1:
            return ""
        return _("Sivu {page}/{pages}.").format(page=self.number + 1, pages=self.count)


def page_of(items: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    count = max(1, -(-len(items) // size))
    number = min(max(number, 0), count - 1)
    return Page(items[number * size : (number + 1) * size], number, count)


def add_page_buttons(
    builder: InlineKeyboardBuilder, page: Page[T], data: Callable[[int], CallbackData]
) -> None:
    """A row with ◀️ Edellinen and Seuraava ▶️, where there is somewhere to go."""
    row = []
    if page.number > 0:
        row.append(
            InlineKeyboardButton(text=_("◀️ Edellinen"), callback_data=data(page.number - 1).pack())
        )
    if page.number < page.count - 1:
        row.append(
            InlineKeyboardButton(text=_("Seuraava ▶️"), callback_data=data(page.number + 1).pack())
        )
    if row:
        builder.row(*row)
