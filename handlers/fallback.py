"""Last in line: what nobody else understood gets a friendly pointer to /menu."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from views.commands import COMMANDS

router = Router(name="fallback")

KNOWN_COMMANDS = {name for spec in COMMANDS for name in (spec.name, spec.alias_fi) if name}


@router.message(F.chat.type == "private")
async def not_understood(message: Message) -> None:
    word = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    if word.startswith("/") and word[1:].split("@")[0].lower() in KNOWN_COMMANDS:
        # A real command that this person's role does not include.
        await message.answer(
            _("Tämä toiminto ei ole sinun käytössäsi. Paina /valikko, niin näet omat toimintosi.")
        )
        return
    await message.answer(_("En ymmärtänyt. Paina /valikko, niin näet kaikki toiminnot."))


@router.callback_query()
async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
