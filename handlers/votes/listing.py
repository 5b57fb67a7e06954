"""The open ballots (from the menu) and one ballot shown again."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from handlers.routing import command_or_menu
from handlers.votes.access import BallotToSee
from notify.table import send_private
from storage.people import tables_in_order
from storage.roles import Access
from storage.statements import matter_of
from storage.votes import Ballot, open_ballots, option_names
from views.callbacks import Menu
from views.votes import (
    ONLY_FOR_MEMBERS,
    OPEN_BALLOTS,
    ShowBallot,
    ballot_keyboard,
    ballot_text,
    ballots_list_markup,
)


def create_router() -> Router:
    router = Router(name="votes.listing")
    command_or_menu(router, None, Menu.VOTES)(open_ballots_list)
    router.callback_query.register(show_ballot, ShowBallot.filter(), BallotToSee())
    return router


async def open_ballots_list(
    message: Message,
    event_from_user: User,
    access: Access,
    session: AsyncSession,
    bot: Bot,
    i18n: I18n,
) -> None:
    """In the person's own chat, wherever the menu was opened."""
    tables = await tables_in_order(session)
    own = access.own_tables([t.id for t in tables])
    markup = ballots_list_markup(
        await open_ballots(session, own),
        [t for t in tables if access.leads(t.id)],
        i18n.current_locale,
    )
    text = OPEN_BALLOTS if own else ONLY_FOR_MEMBERS
    await send_private(bot, event_from_user.id, str(text), markup=markup)


async def show_ballot(
    query: CallbackQuery,
    ballot: Ballot,
    session: AsyncSession,
    settings: Settings,
    bot: Bot,
    i18n: I18n,
) -> None:
    await query.answer()
    text = ballot_text(
        ballot, settings.zone, i18n.current_locale, await matter_of(session, ballot)
    )
    markup = ballot_keyboard(ballot, await option_names(session, ballot))
    await send_private(bot, query.from_user.id, text, markup=markup)
