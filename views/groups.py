"""The table's Telegram group as people in it read it: hello, linking to a table."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.people import Table
from views.callbacks import RowId
from views.text import esc


class LinkGroup(CallbackData, prefix="lg"):
    table_id: RowId


HELLO = __(
    "Hei! Olen kumppanuuspöydän botti.\n\n"
    "Koordinaattori: liitä tämä ryhmä pöytään komennolla /link."
)
ONLY_COORDINATORS = __("Vain koordinaattori voi liittää ryhmän pöytään.")
WHICH_TABLE = __("Minkä pöydän ryhmä tämä on?")


def table_keyboard(tables: list[Table], language: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for table in tables:
        builder.button(text=table.name(language), callback_data=LinkGroup(table_id=table.id))
    builder.adjust(1)
    return builder.as_markup()


def already_linked(table: Table, language: str) -> str:
    return _("Tämä ryhmä on jo liitetty: {table}.").format(table=table.name(language))


def linked(table: Table, language: str) -> str:
    return _("Valmis! Tämä ryhmä kuuluu nyt pöytään:\n{table}").format(
        table=esc(table.name(language))
    )
