"""Last in line: what nobody else understood gets a friendly pointer to /menu."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

router = Router(name="fallback")


@router.message(F.chat.type == "private")
async def not_understood(message: Message) -> None:
    await message.answer(_("En ymmärtänyt. Paina /valikko, niin näet kaikki toiminnot."))


@router.callback_query()
async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
