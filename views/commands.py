"""Slash commands as people see them: names (with Finnish aliases), descriptions, who sees them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from storage.roles import Access, coordinators, everyone, insiders, organizers


@dataclass(frozen=True)
class CommandSpec:
    name: str
    alias_fi: str | None
    description: LazyProxy
    shown_to: Callable[[Access], bool]
    in_groups: bool = False


COMMANDS: list[CommandSpec] = [
    CommandSpec("menu", "valikko", __("Kaikki toiminnot napeilla"), everyone),
    CommandSpec("help", "apua", __("Ohje: mitä voit tehdä"), everyone, in_groups=True),
    CommandSpec("members", "jasenet", __("Pöytäsi jäsenet"), insiders),
    CommandSpec("meetings", "kokoukset", __("Kokoukset, esityslistat ja muistiot"), insiders),
    CommandSpec("me", "tiedot", __("Omat tiedot ja roolit"), everyone),
    CommandSpec("mydata", "omattiedot", __("Kaikki tietosi tiedostona, tai poista ne"), everyone),
    CommandSpec("language", "kieli", __("Vaihda kieli"), everyone),
    CommandSpec("reminders", "muistutukset", __("Muistutusten asetukset"), insiders),
    CommandSpec("invite", "kutsu", __("Tee kutsulinkki uudelle jäsenelle"), coordinators),
    CommandSpec("statements", "lausunnot", __("Hyväksytyt lausunnot, haku sanalla"), insiders),
    CommandSpec("drafts", "luonnokset", __("Lausunnot, joita tehdään nyt"), insiders),
    CommandSpec("voterules", "aanestyssaannot", __("Pöydän äänestyssäännöt"), insiders),
    CommandSpec("announce", "tiedote", __("Lähetä tiedote jäsenille"), organizers),
    CommandSpec("email", "sahkoposti", __("Tiedotteet myös sähköpostiin"), insiders),
    CommandSpec("link", "liita", __("Liitä tämä ryhmä pöytään"), coordinators, in_groups=True),
]

BY_NAME = {spec.name: spec for spec in COMMANDS}
# Every name a command answers to, in any language.
KNOWN_NAMES = frozenset(name for spec in COMMANDS for name in (spec.name, spec.alias_fi) if name)


def shown_name(spec: CommandSpec, language: str) -> str:
    """Finnish readers see the Finnish alias; the others the English name."""
    return spec.alias_fi if language == "fi" and spec.alias_fi else spec.name


def visible_commands(
    access: Access, language: str, i18n: I18n, *, groups: bool = False
) -> list[BotCommand]:
    with i18n.context(), i18n.use_locale(language):
        return [
            BotCommand(
                command=shown_name(spec, language),
                description=str(spec.description),
            )
            for spec in COMMANDS
            if spec.shown_to(access) and (spec.in_groups or not groups)
        ]
