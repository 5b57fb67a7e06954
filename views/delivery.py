"""What the person who caused a message reads when it could not be delivered."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from views.text import esc


def not_delivered(recipient: str | None) -> str:
    """One notice per message: who did not get it, and what to do."""
    who = esc(recipient) if recipient else _("pöydän ryhmä")
    return _(
        "Viestiäsi ei saatu perille. Sitä ei saanut: {who}.\n"
        "Telegram ei ottanut viestiä vastaan. Lähetä lyhyempi viesti "
        "tai pyydä apua koordinaattorilta."
    ).format(who=who)


def mail_not_delivered(address: str) -> str:
    return _(
        "Sähköpostia ei saatu perille osoitteeseen {address}.\n"
        "Tarkista osoite tai pyydä apua koordinaattorilta."
    ).format(address=esc(address))
