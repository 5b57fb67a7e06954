"""First contact: /start with or without an invite, /help and /menu."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import command
from notify.commands import publish_person_commands
from storage.invites import JoinOutcome, use_invite
from storage.people import Person, access_for, tables_in_order
from storage.roles import Access
from views.callbacks import Menu, MenuItem
from views.commands import COMMANDS
from views.menu import menu_keyboard
from views.text import esc, role_name

router = Router(name="start")
router.message.filter(F.chat.type == "private")


@router.message(CommandStart(deep_link=True))
async def join_with_invite(
    message: Message,
    command: CommandObject,
    person: Person | None,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    if person is None:
        return
    now = clock.now()
    result = await use_invite(
        session,
        token=command.args or "",
        person=person,
        now=now,
        term_ends_on=settings.term_ends_on,
    )
    if result.outcome is JoinOutcome.JOINED:
        assert result.invite is not None
        access = await access_for(session, person, now.astimezone(settings.zone).date())
        table_name = result.invite.table.name(i18n.current_locale)
        await message.answer(
            _(
                "Tervetuloa, {name}!\n\nOlet nyt mukana: {table}.\nRoolisi: {role}.\n\n"
                "Valitse alta, mitä haluat tehdä."
            ).format(
                name=esc(person.first_name),
                table=esc(table_name),
                role=role_name(result.invite.role),
            ),
            reply_markup=menu_keyboard(access),
        )
        await publish_person_commands(bot, i18n, message.chat.id, access, i18n.current_locale)
        return
    replies = {
        JoinOutcome.ALREADY_JOINED: _("Olet jo liittynyt tällä linkillä. Paina /valikko."),
        JoinOutcome.USED: _(
            "Tämä kutsulinkki on jo käytetty.\nPyydä koordinaattorilta oma, uusi linkki."
        ),
        JoinOutcome.EXPIRED: _(
            "Tämä kutsulinkki on vanhentunut.\nPyydä koordinaattorilta uusi linkki."
        ),
        JoinOutcome.UNKNOWN: _(
            "Tämä kutsulinkki ei toimi.\nTarkista linkki tai pyydä koordinaattorilta uusi."
        ),
    }
    await message.answer(replies[result.outcome])


@router.message(CommandStart())
async def greet(
    message: Message, person: Person | None, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    name = esc(person.first_name) if person else ""
    if access.is_resident:
        tables = await tables_in_order(session)
        names = "\n".join(f"• {esc(t.name(i18n.current_locale))}" for t in tables)
        text = _(
            "Hei {name}!\n\nTämä on Lahden kumppanuuspöytien botti. "
            "Kumppanuuspöydissä asukkaat ja yhdistykset kehittävät omaa aluettaan "
            "yhdessä kaupungin kanssa.\n\nPöydät:\n{tables}\n\n"
            "Jos olet pöydän jäsen, saat koordinaattorilta oman kutsulinkin. "
            "Avaa se, niin pääset mukaan."
        ).format(name=name, tables=names)
    else:
        text = _("Hei {name}!\n\nValitse alta, mitä haluat tehdä.").format(name=name)
    await message.answer(text, reply_markup=menu_keyboard(access))


@router.message(command("menu"))
async def show_menu(message: Message, access: Access) -> None:
    await message.answer(_("Mitä haluat tehdä?"), reply_markup=menu_keyboard(access))


@router.message(command("help"))
async def show_help(message: Message, access: Access, i18n: I18n) -> None:
    await message.answer(help_text(access, i18n.current_locale))


@router.callback_query(MenuItem.filter(F.item == Menu.HELP))
async def help_button(query: CallbackQuery, access: Access, i18n: I18n) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(help_text(access, i18n.current_locale))


def help_text(access: Access, language: str) -> str:
    lines = [
        f"/{spec.alias_fi if language == 'fi' and spec.alias_fi else spec.name} – "
        f"{spec.description}"
        for spec in COMMANDS
        if spec.shown_to(access) and spec.name != "link"
    ]
    if access.is_resident:
        intro = _("Voit käyttää näitä komentoja. Helpoin tapa on painaa /valikko.")
    else:
        intro = _("Näin käytät bottia. Helpoin tapa on painaa /valikko ja valita napista.")
    return intro + "\n\n" + "\n".join(lines)
