"""Who is at my table (/members) and who am I here (/me)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import command
from storage.people import Person, current_memberships, table_roster, tables_in_order
from storage.roles import Access
from views.callbacks import Menu, MenuItem
from views.text import day, esc, role_name, split_text

router = Router(name="members")

LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}


@router.message(command("members"))
async def members_command(
    message: Message,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    for part in await members_text(access, session, settings, clock, i18n.current_locale):
        await message.answer(part)


@router.callback_query(MenuItem.filter(F.item == Menu.MEMBERS))
async def members_button(
    query: CallbackQuery,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        for part in await members_text(access, session, settings, clock, i18n.current_locale):
            await query.message.answer(part)


async def members_text(
    access: Access, session: AsyncSession, settings: Settings, clock: Clock, language: str
) -> list[str]:
    tables = [t for t in await tables_in_order(session) if access.belongs_to(t.id)]
    if not tables:
        return [
            _(
                "Jäsenlista on vain pöydän jäsenille.\n"
                "Jos olet jäsen, pyydä koordinaattorilta kutsulinkki."
            )
        ]
    today = clock.now().astimezone(settings.zone).date()
    blocks = []
    for table in tables:
        roster = await table_roster(session, table.id, today)
        lines = [f"<b>{esc(table.name(language))}</b>"]
        lines += [f"• {esc(person.full_name)} – {role_name(role)}" for person, role in roster]
        if not roster:
            lines.append(_("Pöydässä ei ole vielä jäseniä."))
        blocks.append("\n".join(lines))
    return split_text("\n\n".join(blocks))


@router.message(command("me"))
async def me_command(
    message: Message,
    person: Person | None,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    if person is not None:
        await message.answer(await me_text(person, session, settings, clock, i18n))


@router.callback_query(MenuItem.filter(F.item == Menu.ME))
async def me_button(
    query: CallbackQuery,
    person: Person | None,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    await query.answer()
    if person is not None and isinstance(query.message, Message):
        await query.message.answer(await me_text(person, session, settings, clock, i18n))


async def me_text(
    person: Person, session: AsyncSession, settings: Settings, clock: Clock, i18n: I18n
) -> str:
    language = i18n.current_locale
    today = clock.now().astimezone(settings.zone).date()
    lines = [
        _("Nimi: {name}").format(name=esc(person.full_name)),
        _("Kieli: {language}").format(language=LANGUAGE_NAMES[language]),
    ]
    memberships = await current_memberships(session, person.id, today)
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
