"""Filters that load the statement (or amendment) a button or a form step is about, check this
person's right to it, and hand it to the handler; otherwise the person is told why not.

A statement that is gone and one that is not this person's are refused alike, so a forged id
learns nothing.
"""

from __future__ import annotations

import enum
from typing import Any

from aiogram.filters import BaseFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.routing import Refused
from storage.people import Person
from storage.roles import Access
from storage.statements import Amendment, Statement, drafters_of, may_draft
from views.common import NOT_ALLOWED
from views.statements import AmendmentButton, CompareVersions, DrafterPick, StatementButton


class Right(enum.Enum):
    """What a person must be at the statement's table."""

    SEE = "belongs"  # seated at it or coordinating it
    SIT = "sits"  # seated: may propose, amend and dissent
    LEAD = "leads"  # chair, vice-chair or coordinator


def _may(access: Access, right: Right, table_id: int) -> bool:
    if right is Right.LEAD:
        return access.leads(table_id)
    if right is Right.SIT:
        return access.sits_at(table_id)
    return access.belongs_to(table_id)


async def _statement(
    session: AsyncSession, access: Access, right: Right, statement_id: object
) -> Statement:
    statement = (
        await session.get(Statement, statement_id) if isinstance(statement_id, int) else None
    )
    if statement is None or not _may(access, right, statement.table_id):
        raise Refused(NOT_ALLOWED)
    return statement


class StatementOf(BaseFilter):
    """The statement a button is about, as `statement`, if this person has the right to it."""

    def __init__(self, right: Right = Right.SEE) -> None:
        self.right = right

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: StatementButton | DrafterPick | CompareVersions,
        session: AsyncSession,
        access: Access,
    ) -> dict[str, Any]:
        statement = await _statement(session, access, self.right, callback_data.statement_id)
        return {"statement": statement}


class FormStatement(BaseFilter):
    """The statement a form in progress is about, as `statement`, with the form's answers so
    far as `form`. When the right is gone the form ends."""

    def __init__(self, right: Right = Right.SEE) -> None:
        self.right = right

    async def __call__(
        self, message: Message, state: FSMContext, session: AsyncSession, access: Access
    ) -> dict[str, Any]:
        form = await state.get_data()
        try:
            statement = await _statement(session, access, self.right, form.get("statement_id"))
        except Refused:
            await state.clear()
            raise
        return {"statement": statement, "form": form}


class AmendmentOf(BaseFilter):
    """The amendment a button decides, as `amendment` with its `statement`, if this person
    decides on it: a named drafter, or whoever leads the table."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: AmendmentButton,
        session: AsyncSession,
        access: Access,
        person: Person,
    ) -> dict[str, Any]:
        amendment = await session.get(Amendment, callback_data.amendment_id)
        statement = await session.get(Statement, amendment.statement_id) if amendment else None
        if (
            amendment is None
            or statement is None
            or not access.belongs_to(statement.table_id)
            or not may_draft(
                access, statement.table_id, person.id, await drafters_of(session, statement.id)
            )
        ):
            raise Refused(NOT_ALLOWED)
        return {"amendment": amendment, "statement": statement}
