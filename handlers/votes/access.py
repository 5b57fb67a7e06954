"""Filters that load the ballot, statement or amendment a button is about and check this
person's right to it; the handler gets the object, or the person is told why not."""

from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from handlers.routing import Refused
from storage.roles import Access
from storage.statements import Amendment, Statement
from storage.vote_rules import may_vote
from storage.votes import Ballot
from views.common import NOT_ALLOWED, STALE_BUTTON
from views.statements import AmendmentButton, StatementButton
from views.votes import ONLY_MEMBERS_VOTE, VOTING_ENDED, ShowBallot, VoteCast, VoteReason


class BallotToSee(BaseFilter):
    """The ballot, as `ballot`, if it belongs to one of this person's tables."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: ShowBallot,
        session: AsyncSession,
        access: Access,
    ) -> dict[str, Any]:
        ballot = await session.get(Ballot, callback_data.ballot_id)
        if ballot is None or not access.belongs_to(ballot.table_id):
            raise Refused(NOT_ALLOWED)
        return {"ballot": ballot}


class BallotToVote(BaseFilter):
    """The ballot, as `ballot`, if this person may vote in it and it is still open."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: VoteCast | VoteReason,
        session: AsyncSession,
        access: Access,
        clock: Clock,
    ) -> dict[str, Any]:
        ballot = await session.get(Ballot, callback_data.ballot_id)
        if ballot is None:
            raise Refused(STALE_BUTTON)
        if not may_vote(access, ballot.table_id):
            raise Refused(ONLY_MEMBERS_VOTE)
        if not ballot.is_open(clock.now()):
            raise Refused(VOTING_ENDED)
        return {"ballot": ballot}


class LedStatement(BaseFilter):
    """The statement a button puts to a vote, as `statement` (and `amendment`, when the vote is
    on an amendment), if this person leads its table."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: StatementButton | AmendmentButton,
        session: AsyncSession,
        access: Access,
    ) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if isinstance(callback_data, AmendmentButton):
            amendment = await session.get(Amendment, callback_data.amendment_id)
            found["amendment"] = amendment
            statement_id = amendment.statement_id if amendment else None
        else:
            statement_id = callback_data.statement_id
        statement = await session.get(Statement, statement_id) if statement_id else None
        if statement is None or not access.leads(statement.table_id):
            raise Refused(NOT_ALLOWED)
        return {**found, "statement": statement}
