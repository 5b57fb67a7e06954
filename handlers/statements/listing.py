"""Finding statements: the ones in the making (/luonnokset and the menu), the approved ones
(/lausunnot), a statement's card, its documents, its text and what changed between versions."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import Refused, command, command_or_menu, message_of
from handlers.statements.access import StatementOf
from handlers.statements.common import reply_privately
from storage.people import Person, Table, tables_in_order
from storage.roles import Access
from storage.statements import (
    Refusal,
    Statement,
    approved_statements,
    attachments_of,
    current_version,
    drafters_of,
    names_of,
    open_statements,
    version_by_number,
    versions_of,
)
from views.callbacks import Menu
from views.common import NOT_ALLOWED
from views.pages import page_of
from views.statements import (
    NO_APPROVED,
    ONLY_FOR_MEMBERS,
    TWO_VERSIONS_NEEDED,
    Card,
    CompareVersions,
    DraftsPage,
    StatementAct,
    StatementButton,
    approved_list_text,
    card_markup,
    card_text,
    diff_text,
    nothing_found,
    older_versions_markup,
    refusal_text,
    version_text,
    working_list_markup,
    working_list_text,
)
from views.text import split_text


def create_router() -> Router:
    router = Router(name="statements.listing")
    command_or_menu(router, "drafts", Menu.STATEMENTS)(working_list)
    router.callback_query.register(working_page, DraftsPage.filter())
    router.message.register(approved_list, command("statements"))
    router.callback_query.register(
        open_card, StatementButton.filter(F.act == StatementAct.VIEW), StatementOf()
    )
    router.callback_query.register(
        send_files, StatementButton.filter(F.act == StatementAct.FILES), StatementOf()
    )
    router.callback_query.register(
        show_text, StatementButton.filter(F.act == StatementAct.TEXT), StatementOf()
    )
    router.callback_query.register(
        show_diff, StatementButton.filter(F.act == StatementAct.DIFF), StatementOf()
    )
    router.callback_query.register(show_chosen_diff, CompareVersions.filter(), StatementOf())
    return router


async def working_list(
    message: Message, access: Access, session: AsyncSession, clock: Clock, i18n: I18n
) -> None:
    shown = await _working_page(0, access, session, clock, i18n)
    if shown is None:
        await message.answer(str(ONLY_FOR_MEMBERS))
        return
    await message.answer(shown[0], reply_markup=shown[1])


async def working_page(
    query: CallbackQuery,
    callback_data: DraftsPage,
    access: Access,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    shown = await _working_page(callback_data.page, access, session, clock, i18n)
    if shown is None:
        raise Refused(ONLY_FOR_MEMBERS)
    await query.answer()
    with suppress(TelegramBadRequest):  # pressed twice: the page is already shown
        await message_of(query).edit_text(shown[0], reply_markup=shown[1])


async def _working_page(
    number: int, access: Access, session: AsyncSession, clock: Clock, i18n: I18n
) -> tuple[str, InlineKeyboardMarkup] | None:
    """A page of the statements in the making at this person's tables (None: no tables)."""
    tables = await tables_in_order(session)
    own = access.own_tables([t.id for t in tables])
    if not own:
        return None
    page = page_of(await open_statements(session, own), number)
    markup = working_list_markup(
        page, [t for t in tables if access.leads(t.id)], i18n.current_locale, clock.now()
    )
    return working_list_text(page), markup


async def approved_list(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings, i18n: I18n
) -> None:
    """Anyone may ask, on purpose: an approved statement is the table's public record, given
    to the city (issue 17 lists approved statements among what is public; issue 13 keeps them
    as records). Only approved and submitted ones are listed or searched, and only their
    approved text: drafts, versions, amendments, votes and dissents stay with the table."""
    word = (command.args or "").strip()
    found = await approved_statements(session, word or None)
    if not found:
        await message.answer(nothing_found(word) if word else str(NO_APPROVED))
        return
    tables = {t.id: t for t in await tables_in_order(session)}
    text = approved_list_text(found, tables, word or None, settings.zone, i18n.current_locale)
    for part in split_text(text):
        await message.answer(part)


async def open_card(
    query: CallbackQuery,
    statement: Statement,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    await query.answer()
    card = await gather_card(session, statement)
    language = i18n.current_locale
    await reply_privately(
        query, card_text(card, settings.zone, language, clock.now()), card_markup(card, access)
    )


async def gather_card(session: AsyncSession, statement: Statement) -> Card:
    table = await session.get(Table, statement.table_id)
    assert table is not None
    version = await current_version(session, statement.id)
    author = (
        await session.get(Person, version.author_id) if version and version.author_id else None
    )
    drafters = await names_of(session, await drafters_of(session, statement.id))
    return Card(
        statement=statement,
        table=table,
        drafters=list(drafters.values()),
        version=version,
        author=author.full_name if author else None,
        files=[f.file_name for f in await attachments_of(session, statement.id)],
    )


async def send_files(
    query: CallbackQuery, statement: Statement, session: AsyncSession, bot: Bot
) -> None:
    await query.answer()
    for file in await attachments_of(session, statement.id):
        if file.telegram_file_id:
            with suppress(TelegramBadRequest, TelegramForbiddenError):
                await bot.send_document(query.from_user.id, file.telegram_file_id)


async def show_text(query: CallbackQuery, statement: Statement, session: AsyncSession) -> None:
    version = await current_version(session, statement.id)
    if version is None:
        raise Refused(refusal_text(Refusal.NO_VERSION))
    await query.answer()
    await reply_privately(query, version_text(statement, version))


async def show_diff(query: CallbackQuery, statement: Statement, session: AsyncSession) -> None:
    versions = await versions_of(session, statement.id)
    if len(versions) < 2:
        raise Refused(TWO_VERSIONS_NEEDED)
    await query.answer()
    await reply_privately(
        query, diff_text(versions[-2], versions[-1]), older_versions_markup(statement.id, versions)
    )


async def show_chosen_diff(
    query: CallbackQuery,
    callback_data: CompareVersions,
    statement: Statement,
    session: AsyncSession,
) -> None:
    old = await version_by_number(session, statement.id, callback_data.old)
    new = await version_by_number(session, statement.id, callback_data.new)
    if old is None or new is None:
        raise Refused(NOT_ALLOWED)
    await query.answer()
    await reply_privately(query, diff_text(old, new))
