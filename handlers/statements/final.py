"""The approved statement: dissenting opinions, the document (.docx, .md), marking it sent;
and leaving any statement form."""

from __future__ import annotations

import asyncio

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import Refused
from handlers.statements.access import FormStatement, Right, StatementOf
from handlers.statements.common import (
    ANSWER,
    Amending,
    Dissenting,
    Drafting,
    StatementForm,
    Submitting,
    reply_privately,
    text_of,
)
from storage.people import Person, Table
from storage.statements import (
    Refusal,
    Statement,
    StatementStatus,
    add_dissent,
    approval_ballot,
    dissents_of,
    mark_submitted,
    may_dissent,
    names_of,
    version_by_number,
)
from storage.votes import vote_of
from views.callbacks import Cancel, Form
from views.common import CANCELLED
from views.documents import (
    StatementDocument,
    statement_document,
    statement_docx,
    statement_markdown,
)
from views.statements import (
    ANSWER_IN_TEXT,
    ASK_DISSENT,
    ASK_SUBMITTED_TO,
    DISSENT_SAVED,
    NOT_APPROVED_YET,
    ONLY_AGAINST_DISSENT,
    ONLY_APPROVED_SUBMITTED,
    StatementAct,
    StatementButton,
    cancel_markup,
    document_caption,
    marked_submitted,
    refusal_text,
)

FINISHED = (StatementStatus.APPROVED, StatementStatus.SUBMITTED)


def create_router() -> Router:
    router = Router(name="statements.final")
    router.callback_query.register(
        start_dissent,
        StatementButton.filter(F.act == StatementAct.DISSENT),
        StatementOf(Right.SIT),
    )
    router.message.register(got_dissent, Dissenting.text, ANSWER, FormStatement())
    router.callback_query.register(
        export,
        StatementButton.filter(F.act.in_({StatementAct.DOCX, StatementAct.MARKDOWN})),
        StatementOf(),
    )
    router.callback_query.register(
        start_submit,
        StatementButton.filter(F.act == StatementAct.SUBMIT),
        StatementOf(Right.LEAD),
    )
    router.message.register(got_submitted_to, Submitting.to, ANSWER, FormStatement(Right.LEAD))
    router.callback_query.register(cancel, Cancel.filter(F.form == Form.STATEMENT))
    router.message.register(
        not_text, StateFilter(StatementForm, Drafting, Amending, Dissenting, Submitting), ~F.text
    )
    return router


async def start_dissent(
    query: CallbackQuery,
    statement: Statement,
    person: Person,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    ballot = await approval_ballot(session, statement.id)
    vote = await vote_of(session, ballot.id, person.id) if ballot else None
    if not may_dissent(vote.choice if vote else None) or statement.status not in FINISHED:
        raise Refused(ONLY_AGAINST_DISSENT)
    await query.answer()
    await state.clear()
    await state.set_state(Dissenting.text)
    await state.update_data(statement_id=statement.id)
    await reply_privately(query, str(ASK_DISSENT), cancel_markup())


async def got_dissent(
    message: Message,
    statement: Statement,
    state: FSMContext,
    person: Person,
    session: AsyncSession,
    clock: Clock,
) -> None:
    opinion = await add_dissent(session, statement, person.id, text_of(message), clock.now())
    if opinion is Refusal.EMPTY:
        await message.answer(refusal_text(opinion))
        return
    await state.clear()
    await message.answer(
        str(ONLY_AGAINST_DISSENT) if isinstance(opinion, Refusal) else str(DISSENT_SAVED)
    )


async def export(
    query: CallbackQuery,
    callback_data: StatementButton,
    statement: Statement,
    session: AsyncSession,
    settings: Settings,
    bot: Bot,
    i18n: I18n,
) -> None:
    if statement.status not in FINISHED:
        raise Refused(NOT_APPROVED_YET)
    await query.answer()
    document = await _document(session, statement, settings, i18n.current_locale)
    base = f"lausunto-{statement.id}"
    if callback_data.act is StatementAct.DOCX:
        # Building a long statement's .docx takes a while: not on the event loop.
        data = await asyncio.to_thread(statement_docx, document)
        upload = BufferedInputFile(data, filename=f"{base}.docx")
    else:
        upload = BufferedInputFile(statement_markdown(document).encode(), filename=f"{base}.md")
    await bot.send_document(query.from_user.id, upload, caption=document_caption(statement))


async def _document(
    session: AsyncSession, statement: Statement, settings: Settings, language: str
) -> StatementDocument:
    table = await session.get(Table, statement.table_id)
    assert table is not None and statement.approved_version is not None
    version = await version_by_number(session, statement.id, statement.approved_version)
    assert version is not None
    opinions = await dissents_of(session, statement.id)
    names = await names_of(session, {o.person_id for o in opinions})
    return statement_document(
        statement,
        table,
        version,
        await approval_ballot(session, statement.id),
        [(names.get(o.person_id, "–"), o.text) for o in opinions],
        settings.zone,
        language,
    )


async def start_submit(query: CallbackQuery, statement: Statement, state: FSMContext) -> None:
    if statement.status is not StatementStatus.APPROVED:
        raise Refused(ONLY_APPROVED_SUBMITTED)
    await query.answer()
    await state.clear()
    await state.set_state(Submitting.to)
    await state.update_data(statement_id=statement.id)
    await reply_privately(query, str(ASK_SUBMITTED_TO), cancel_markup())


async def got_submitted_to(
    message: Message,
    statement: Statement,
    state: FSMContext,
    person: Person,
    session: AsyncSession,
    clock: Clock,
) -> None:
    await state.clear()
    if statement.status is not StatementStatus.APPROVED:
        await message.answer(str(ONLY_APPROVED_SUBMITTED))
        return
    to = text_of(message)[:200]
    await mark_submitted(session, statement, to=to, by=person.id, now=clock.now())
    await message.answer(marked_submitted(to))


async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(str(CANCELLED))


async def not_text(message: Message) -> None:
    await message.answer(str(ANSWER_IN_TEXT))
