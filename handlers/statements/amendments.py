"""Amendments: a seated member proposes replacing a passage of the current version; a drafter
or whoever leads the table accepts or rejects it (or puts it to a vote, see handlers.votes)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import Refused
from handlers.statements.access import AmendmentOf, FormStatement, Right, StatementOf
from handlers.statements.common import ANSWER, Amending, reply_privately, text_of
from notify.statements import post_accepted_amendment, tell_deciders
from storage.audit import record
from storage.people import Person, Table
from storage.statements import (
    Amendment,
    Refusal,
    Statement,
    StatementStatus,
    StatementVersion,
    current_version,
    decide_amendment,
    deciders_of,
    propose_amendment,
)
from views.statements import (
    AMENDMENT_REJECTED,
    AMENDMENT_SAVED,
    ASK_NEW_PASSAGE,
    AmendmentAct,
    AmendmentButton,
    StatementAct,
    StatementButton,
    amendment_accepted,
    ask_passage,
    cancel_markup,
    refusal_text,
)


def create_router() -> Router:
    router = Router(name="statements.amendments")
    router.callback_query.register(
        start_amendment,
        StatementButton.filter(F.act == StatementAct.AMEND),
        StatementOf(Right.SIT),
    )
    router.message.register(amendment_old, Amending.old, ANSWER)
    router.message.register(amendment_new, Amending.new, ANSWER, FormStatement(Right.SIT))
    router.callback_query.register(
        amendment_decided,
        AmendmentButton.filter(F.act.in_({AmendmentAct.ACCEPT, AmendmentAct.REJECT})),
        AmendmentOf(),
    )
    return router


async def start_amendment(
    query: CallbackQuery, statement: Statement, session: AsyncSession, state: FSMContext
) -> None:
    version = await current_version(session, statement.id)
    if version is None or statement.status is not StatementStatus.DRAFTING:
        raise Refused(refusal_text(Refusal.NOT_DRAFTING))
    await query.answer()
    await state.clear()
    await state.set_state(Amending.old)
    await state.update_data(statement_id=statement.id, version_id=version.id)
    await reply_privately(query, ask_passage(version.number), cancel_markup())


async def amendment_old(message: Message, state: FSMContext, session: AsyncSession) -> None:
    data = await state.get_data()
    version = await current_version(session, data["statement_id"])
    if version is None or version.id != data["version_id"]:
        await state.clear()
        await message.answer(refusal_text(Refusal.SUPERSEDED))
        return
    passage = text_of(message)
    if not passage or passage not in version.text:
        await message.answer(refusal_text(Refusal.PASSAGE_NOT_FOUND))
        return
    await state.update_data(old=passage)
    await state.set_state(Amending.new)
    await message.answer(str(ASK_NEW_PASSAGE), reply_markup=cancel_markup())


async def amendment_new(
    message: Message,
    statement: Statement,
    form: dict[str, Any],
    state: FSMContext,
    person: Person,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    now = clock.now()
    amendment = await propose_amendment(
        session,
        statement,
        version_id=form["version_id"],
        old_text=form["old"],
        new_text=text_of(message),
        author_id=person.id,
        now=now,
    )
    await state.clear()
    if isinstance(amendment, Refusal):
        await message.answer(refusal_text(amendment))
        return
    await message.answer(str(AMENDMENT_SAVED))
    today = clock.today(settings.zone)
    version = await session.get(StatementVersion, amendment.version_id)
    assert version is not None
    await tell_deciders(
        session,
        i18n,
        amendment=amendment,
        statement=statement,
        version_number=version.number,
        author=person.full_name,
        deciders=await deciders_of(session, statement, today),
        now=now,
        today=today,
    )


async def amendment_decided(
    query: CallbackQuery,
    callback_data: AmendmentButton,
    amendment: Amendment,
    statement: Statement,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    now = clock.now()
    accept = callback_data.act is AmendmentAct.ACCEPT
    version = await decide_amendment(session, amendment, accept=accept, by=person.id, now=now)
    if isinstance(version, Refusal):
        # Not always nothing written: an amendment whose version cannot be made is rejected.
        await query.answer(refusal_text(version), show_alert=True)
        return
    await record(
        session,
        actor_id=person.id,
        action="amendment.decide",
        subject=f"amendment:{amendment.id}",
        detail={"accepted": accept},
        at=now,
    )
    if version is None:
        await query.answer(str(AMENDMENT_REJECTED), show_alert=True)
        return
    await query.answer(amendment_accepted(version.number), show_alert=True)
    table = await session.get(Table, statement.table_id)
    assert table is not None
    await post_accepted_amendment(bot, i18n, table, statement, version.number)
