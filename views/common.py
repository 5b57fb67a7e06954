"""Answers every feature gives in the same words."""

from __future__ import annotations

from aiogram.utils.i18n import lazy_gettext as __

# A press or command this person's role does not allow.
NOT_ALLOWED = __("Sinulla ei ole oikeutta tähän.")
# A button whose matter is gone, finished, or that was never ours.
STALE_BUTTON = __("Tämä nappi ei ole enää käytössä. Paina /valikko.")
# The bot cannot write to someone who has not opened a private chat with it.
OPEN_PRIVATE_CHAT = __("Avaa ensin keskustelu kanssani: paina /start yksityisviestissä.")
CANCELLED = __("Peruttu.")
# Text nobody understood, and a command this person's role does not include.
NOT_UNDERSTOOD = __("En ymmärtänyt. Paina /valikko, niin näet kaikki toiminnot.")
NOT_YOURS = __("Tämä toiminto ei ole sinun käytössäsi. Paina /valikko, niin näet omat toimintosi.")
