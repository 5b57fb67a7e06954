"""Telling a table about its ballots: the ballot when it opens (to those who vote) and the
result when it closes; each person reads it in their own language, the group in the table's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from notify.fanout import Rendered, View
from notify.table import tell_members
from storage.statements import Matter
from storage.votes import Ballot
from views.statements import open_statement_markup
from views.votes import ballot_keyboard, ballot_text, result_text


def ballot_view(ballot: Ballot, names: dict[str, str], matter: Matter, zone: ZoneInfo) -> View:
    def render(language: str) -> Rendered:
        return Rendered(
            ballot_text(ballot, zone, language, matter),
            ballot_keyboard(ballot, names, with_statement=True),
        )

    return render


def result_view(ballot: Ballot, names: dict[str, str]) -> View:
    def render(language: str) -> Rendered:
        markup = open_statement_markup(ballot.statement_id) if ballot.statement_id else None
        return Rendered(result_text(ballot, names), markup)

    return render


async def tell_voters(
    session: AsyncSession, i18n: I18n, view: View, *, ballot: Ballot, now: datetime, today: date
) -> int:
    """The ballot to the table's seated members: coordinators serve the table but do not vote."""
    return await tell_members(
        session,
        i18n,
        table_id=ballot.table_id,
        batch=f"ballot:{ballot.id}:open",
        view=view,
        now=now,
        today=today,
        with_coordinators=False,
    )


async def tell_result(
    session: AsyncSession, i18n: I18n, view: View, *, ballot: Ballot, now: datetime, today: date
) -> int:
    return await tell_members(
        session,
        i18n,
        table_id=ballot.table_id,
        batch=f"ballot:{ballot.id}:result",
        view=view,
        now=now,
        today=today,
    )
