"""Who is at my table (/members) and who am I here (/me)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from storage.people import Membership, Person, Table
from storage.roles import Role
from views.language import LANGUAGE_NAMES, Language
from views.text import day, esc, role_name, split_text

MEMBERS_ONLY = __(
    "Jäsenlista on vain pöydän jäsenille.\nJos olet jäsen, pyydä koordinaattorilta kutsulinkki."
)


def rosters(tables: list[tuple[Table, list[tuple[Person, Role]]]], language: str) -> list[str]:
    """Each table's people with their roles, in as many messages as it takes."""
    if not tables:
        return [str(MEMBERS_ONLY)]
    blocks = []
    for table, roster in tables:
        lines = [f"<b>{esc(table.name(language))}</b>"]
        lines += [f"• {esc(person.full_name)} – {role_name(role)}" for person, role in roster]
        if not roster:
            lines.append(_("Pöydässä ei ole vielä jäseniä."))
        blocks.append("\n".join(lines))
    return split_text("\n\n".join(blocks))


def about_me(person: Person, memberships: list[Membership], language: str) -> str:
    lines = [
        _("Nimi: {name}").format(name=esc(person.full_name)),
        _("Kieli: {language}").format(language=LANGUAGE_NAMES[Language(language)]),
    ]
    if not memberships:
        lines.append(_("Et ole vielä minkään pöydän jäsen."))
    for membership in memberships:
        place = membership.table.name(language) if membership.table else _("kaikki pöydät")
        line = f"• {esc(place)}: {role_name(membership.role)}"
        if membership.ends_on:
            line += " " + _("(kausi päättyy {date})").format(
                date=day(membership.ends_on, language)
            )
        lines.append(line)
    return "\n".join(lines)
