"""Telling a table about its statements: a new request (with its documents), an amendment to
decide, a new version; each person reads it in their own language."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from notify.fanout import Rendered, View
from notify.table import tell_group, tell_members
from storage.outbox import StoredFile
from storage.people import Table
from storage.statements import Amendment, Statement
from views.statements import (
    amendment_accepted_notice,
    amendment_markup,
    amendment_text,
    attachment_caption,
    new_version_notice,
    open_statement_markup,
    request_text,
)


def request_view(statement: Statement, table: Table, zone: ZoneInfo, now: datetime) -> View:
    def render(language: str) -> Rendered:
        return Rendered(
            request_text(statement, table, zone, language, now),
            open_statement_markup(statement.id),
        )

    return render


def attachment_view(statement: Statement) -> View:
    def render(language: str) -> Rendered:
        return Rendered(attachment_caption(statement))

    return render


async def tell_request(
    session: AsyncSession,
    bot: Bot,
    i18n: I18n,
    *,
    statement: Statement,
    table: Table,
    files: list[StoredFile],
    zone: ZoneInfo,
    now: datetime,
    today: date,
) -> None:
    """The new request and its documents to the table's people, then in the group's topic."""
    request = request_view(statement, table, zone, now)
    caption = attachment_view(statement)
    batch = f"statement:{statement.id}"
    await tell_members(
        session,
        i18n,
        table_id=table.id,
        batch=f"{batch}:new",
        view=request,
        now=now,
        today=today,
        originator_id=statement.created_by,
    )
    for file in files:
        await tell_members(
            session,
            i18n,
            table_id=table.id,
            batch=f"{batch}:file:{file.id}",
            view=caption,
            now=now,
            today=today,
            file=file,
            originator_id=statement.created_by,
        )
    await tell_group(bot, i18n, table, request, statement.group_thread_id)
    for file in files:
        await tell_group(bot, i18n, table, caption, statement.group_thread_id, file=file)


async def tell_deciders(
    session: AsyncSession,
    i18n: I18n,
    *,
    amendment: Amendment,
    statement: Statement,
    version_number: int,
    author: str,
    deciders: set[int],
    now: datetime,
    today: date,
) -> None:
    """A proposed amendment, with its decision buttons, to those who decide on it."""

    def render(language: str) -> Rendered:
        return Rendered(
            amendment_text(amendment, statement, version_number, author),
            amendment_markup(amendment.id),
        )

    await tell_members(
        session,
        i18n,
        table_id=statement.table_id,
        batch=f"amendment:{amendment.id}:new",
        view=render,
        now=now,
        today=today,
        only=deciders,
        originator_id=amendment.author_id,
    )


async def post_new_version(
    bot: Bot, i18n: I18n, table: Table, statement: Statement, number: int, author: str
) -> None:
    def render(language: str) -> Rendered:
        return Rendered(
            new_version_notice(number, statement, author), open_statement_markup(statement.id)
        )

    await tell_group(bot, i18n, table, render, statement.group_thread_id)


async def post_accepted_amendment(
    bot: Bot, i18n: I18n, table: Table, statement: Statement, number: int
) -> None:
    def render(language: str) -> Rendered:
        return Rendered(
            amendment_accepted_notice(number, statement), open_statement_markup(statement.id)
        )

    await tell_group(bot, i18n, table, render, statement.group_thread_id)
