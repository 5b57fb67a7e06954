"""The tick that closes ballots at their closing time and tells the table the result."""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.settings import Settings
from notify.table import seated_count, tell_group
from notify.votes import result_view, tell_result
from storage.db import reading
from storage.people import Table
from storage.statements import Statement, apply_ballot_outcome
from storage.vote_rules import decide, elect
from storage.votes import (
    Ballot,
    claim_for_closing,
    count_and_destroy_secret_choices,
    due_ballot_ids,
    forget_old_pages,
    open_tally,
    option_names,
    rules_for,
    seat_the_elected,
    turnout,
)

log = logging.getLogger(__name__)


async def close_ballot(
    session: AsyncSession, ballot_id: int, now: datetime, settings: Settings
) -> Ballot | None:
    """Claim and close one due ballot, record its result and what it means. None if another
    tick got there first."""
    if not await claim_for_closing(session, ballot_id, now):
        return None
    ballot = await session.get(Ballot, ballot_id, populate_existing=True)
    assert ballot is not None
    today = now.astimezone(settings.zone).date()
    seated = await seated_count(session, ballot.table_id, today)
    rules = ballot.decision_rules() or await rules_for(session, ballot.table_id)
    voted = await turnout(session, ballot)
    if ballot.secret:
        counts = await count_and_destroy_secret_choices(session, ballot)
        election = elect(counts, seated, rules)
        ballot.outcome = election.outcome.value
        ballot.result = {
            "counts": election.counts,
            "voted": voted,
            "seated": seated,
            "winner": election.winner,
        }
        await seat_the_elected(session, ballot, election.winner, now, today, settings.term_ends_on)
    else:
        tally = await open_tally(session, ballot.id)
        outcome = decide(tally, seated, rules)
        ballot.outcome = outcome.value
        ballot.result = {"tally": tally.as_dict(), "voted": voted, "seated": seated}
        await apply_ballot_outcome(session, ballot, outcome, now)
    return ballot


async def close_due_ballots(
    sessionmaker: async_sessionmaker[AsyncSession],
    bot: Bot,
    clock: Clock,
    i18n: I18n,
    settings: Settings,
) -> int:
    """Close every ballot whose time is up; each in its own transaction. Returns how many."""
    now = clock.now()
    async with reading(sessionmaker) as session:
        due = await due_ballot_ids(session, now)
    closed = 0
    for ballot_id in due:
        try:
            closed += await _close_and_tell(sessionmaker, bot, i18n, settings, ballot_id, now)
        except Exception:  # one broken ballot must not keep the others open
            log.exception(
                "closing ballot %s failed; it is tried again on the next tick", ballot_id
            )
    return closed


async def _close_and_tell(
    sessionmaker: async_sessionmaker[AsyncSession],
    bot: Bot,
    i18n: I18n,
    settings: Settings,
    ballot_id: int,
    now: datetime,
) -> int:
    async with sessionmaker() as session, session.begin():
        ballot = await close_ballot(session, ballot_id, now, settings)
        if ballot is None:
            return 0
        names = await option_names(session, ballot)
        table = await session.get(Table, ballot.table_id)
        statement = (
            await session.get(Statement, ballot.statement_id) if ballot.statement_id else None
        )
        thread_id = statement.group_thread_id if statement else None
        result = result_view(ballot, names)
        today = now.astimezone(settings.zone).date()
        await tell_result(session, i18n, result, ballot=ballot, now=now, today=today)
    if ballot.secret and not await forget_old_pages(sessionmaker.kw["bind"]):
        log.warning("ballot %s closed; the WAL was busy and is emptied later", ballot_id)
    if table is not None:
        await tell_group(bot, i18n, table, result, thread_id)
    log.info("ballot %s closed: %s", ballot_id, ballot.outcome)
    return 1
