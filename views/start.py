"""First contact: the welcome after an invite, the greeting, and /help."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from storage.invites import JoinOutcome
from storage.roles import Access, Role
from views.commands import COMMANDS, shown_name
from views.text import esc, role_name

# Why an invite link did not let the person in (JOINED is answered with `welcome`).
JOIN_REFUSALS: dict[JoinOutcome, LazyProxy] = {
    JoinOutcome.ALREADY_JOINED: __("Olet jo liittynyt tällä linkillä. Paina /valikko."),
    JoinOutcome.USED: __(
        "Tämä kutsulinkki on jo käytetty.\nPyydä koordinaattorilta oma, uusi linkki."
    ),
    JoinOutcome.EXPIRED: __(
        "Tämä kutsulinkki on vanhentunut.\nPyydä koordinaattorilta uusi linkki."
    ),
    JoinOutcome.UNKNOWN: __(
        "Tämä kutsulinkki ei toimi.\nTarkista linkki tai pyydä koordinaattorilta uusi."
    ),
}


def welcome(first_name: str, table_name: str, role: Role) -> str:
    return _(
        "Tervetuloa, {name}!\n\nOlet nyt mukana: {table}.\nRoolisi: {role}.\n\n"
        "Valitse alta, mitä haluat tehdä."
    ).format(name=esc(first_name), table=esc(table_name), role=role_name(role))


def greeting(first_name: str | None, table_names: list[str] | None) -> str:
    """Hello to someone who opened the bot; `table_names` only for residents, who get the tour."""
    name = esc(first_name) if first_name else ""
    if table_names is None:
        return _("Hei {name}!\n\nValitse alta, mitä haluat tehdä.").format(name=name)
    return _(
        "Hei {name}!\n\nTämä on Lahden kumppanuuspöytien botti. "
        "Kumppanuuspöydissä asukkaat ja yhdistykset kehittävät omaa aluettaan "
        "yhdessä kaupungin kanssa.\n\nPöydät:\n{tables}\n\n"
        "Jos olet pöydän jäsen, saat koordinaattorilta oman kutsulinkin. "
        "Avaa se, niin pääset mukaan."
    ).format(name=name, tables="\n".join(f"• {esc(table)}" for table in table_names))


def help_text(access: Access, language: str) -> str:
    """The commands this person may use, by the names they see in their language."""
    lines = [
        f"/{shown_name(spec, language)} – {spec.description}"
        for spec in COMMANDS
        if spec.shown_to(access) and spec.name != "link"  # /link is for groups only
    ]
    if access.is_resident:
        intro = _("Voit käyttää näitä komentoja. Helpoin tapa on painaa /valikko.")
    else:
        intro = _("Näin käytät bottia. Helpoin tapa on painaa /valikko ja valita napista.")
    return intro + "\n\n" + "\n".join(lines)
