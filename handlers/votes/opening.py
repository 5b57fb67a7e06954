"""Opening a ballot: on a statement or an amendment (from their buttons), or on a proposal,
operating money or an election (from the votes menu); then how long it stays open."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.routing import Refused
from handlers.votes.access import LedStatement
from handlers.votes.common import ANSWER
from notify.table import send_private, tell_group
from notify.votes import ballot_view, tell_voters
from storage.audit import record
from storage.people import Person, Table
from storage.roles import Access
from storage.statements import (
    Amendment,
    AmendmentStatus,
    Matter,
    Refusal,
    Statement,
    StatementStatus,
    current_version,
    seated_at,
)
from storage.vote_rules import EMPTY_BALLOT, parse_euros
from storage.votes import ELECTIONS, Ballot, BallotKind, open_ballot, option_names
from views.callbacks import Cancel, Form
from views.common import CANCELLED, NOT_ALLOWED
from views.statements import (
    AmendmentAct,
    AmendmentButton,
    StatementAct,
    StatementButton,
    refusal_text,
)
from views.votes import (
    ALREADY_STARTED,
    ASK_AMOUNT,
    ASK_LENGTH,
    ASK_MONEY_USE,
    ASK_PROPOSAL,
    ASK_RECIPIENT,
    ASK_TOPIC,
    BALLOT_OPENED,
    UNREADABLE_AMOUNT,
    BallotLength,
    NewBallot,
    Topic,
    default_title,
    length_markup,
    topic_markup,
)

TITLE_MAX = 300
RECIPIENT_MAX = 200


class BallotForm(StatesGroup):
    title = State()
    amount = State()
    recipient = State()
    length = State()


def create_router() -> Router:
    router = Router(name="votes.opening")
    router.callback_query.register(cancel, Cancel.filter(F.form == Form.BALLOT))
    router.callback_query.register(
        statement_vote, StatementButton.filter(F.act == StatementAct.VOTE), LedStatement()
    )
    router.callback_query.register(
        amendment_vote, AmendmentButton.filter(F.act == AmendmentAct.VOTE), LedStatement()
    )
    router.callback_query.register(choose_topic, NewBallot.filter(F.topic == Topic.ASK))
    router.callback_query.register(topic_chosen, NewBallot.filter(F.topic != Topic.ASK))
    router.message.register(got_title, BallotForm.title, ANSWER)
    router.message.register(got_amount, BallotForm.amount, ANSWER)
    router.message.register(got_recipient, BallotForm.recipient, ANSWER)
    router.callback_query.register(length_chosen, BallotForm.length, BallotLength.filter())
    return router


async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(str(CANCELLED))


async def _ask_length(query: CallbackQuery, state: FSMContext, bot: Bot, **form: Any) -> None:
    await state.clear()
    await state.set_state(BallotForm.length)
    await state.update_data(**form)
    await send_private(bot, query.from_user.id, str(ASK_LENGTH), markup=length_markup())


async def statement_vote(
    query: CallbackQuery, statement: Statement, state: FSMContext, bot: Bot
) -> None:
    if statement.status is not StatementStatus.DRAFTING:
        raise Refused(ALREADY_STARTED)
    await query.answer()
    await _ask_length(
        query,
        state,
        bot,
        kind=BallotKind.STATEMENT.value,
        statement_id=statement.id,
        table_id=statement.table_id,
    )


async def amendment_vote(
    query: CallbackQuery,
    statement: Statement,
    amendment: Amendment | None,
    state: FSMContext,
    bot: Bot,
) -> None:
    if amendment is None:
        raise Refused(NOT_ALLOWED)
    if amendment.status is not AmendmentStatus.PROPOSED:
        raise Refused(refusal_text(Refusal.ALREADY_DECIDED))
    await query.answer()
    await _ask_length(
        query,
        state,
        bot,
        kind=BallotKind.AMENDMENT.value,
        amendment_id=amendment.id,
        statement_id=statement.id,
        table_id=statement.table_id,
    )


async def choose_topic(
    query: CallbackQuery, callback_data: NewBallot, access: Access, bot: Bot
) -> None:
    if not access.leads(callback_data.table_id):
        raise Refused(NOT_ALLOWED)
    await query.answer()
    await send_private(
        bot, query.from_user.id, str(ASK_TOPIC), markup=topic_markup(callback_data.table_id)
    )


async def topic_chosen(
    query: CallbackQuery, callback_data: NewBallot, access: Access, state: FSMContext, bot: Bot
) -> None:
    if not access.leads(callback_data.table_id):
        raise Refused(NOT_ALLOWED)
    await query.answer()
    kind = BallotKind(callback_data.topic.value)
    if kind in ELECTIONS:
        await _ask_length(query, state, bot, kind=kind.value, table_id=callback_data.table_id)
        return
    await state.clear()
    await state.set_state(BallotForm.title)
    await state.update_data(kind=kind.value, table_id=callback_data.table_id)
    question = ASK_PROPOSAL if kind is BallotKind.PROPOSAL else ASK_MONEY_USE
    await send_private(bot, query.from_user.id, str(question))


async def got_title(message: Message, state: FSMContext) -> None:
    title = (message.text or "").strip()
    if not title:
        return
    form = await state.update_data(title=title[:TITLE_MAX])
    if form["kind"] == BallotKind.MONEY.value:
        await state.set_state(BallotForm.amount)
        await message.answer(str(ASK_AMOUNT))
        return
    await state.set_state(BallotForm.length)
    await message.answer(str(ASK_LENGTH), reply_markup=length_markup())


async def got_amount(message: Message, state: FSMContext) -> None:
    cents = parse_euros(message.text or "")
    if cents is None:
        await message.answer(str(UNREADABLE_AMOUNT))
        return
    await state.update_data(amount_cents=cents)
    await state.set_state(BallotForm.recipient)
    await message.answer(str(ASK_RECIPIENT))


async def got_recipient(message: Message, state: FSMContext) -> None:
    recipient = (message.text or "").strip()
    if not recipient:
        return
    await state.update_data(recipient=recipient[:RECIPIENT_MAX])
    await state.set_state(BallotForm.length)
    await message.answer(str(ASK_LENGTH), reply_markup=length_markup())


async def length_chosen(
    query: CallbackQuery,
    callback_data: BallotLength,
    access: Access,
    person: Person,
    session: AsyncSession,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    form = await state.get_data()
    table = await session.get(Table, form.get("table_id", 0))
    if table is None or not access.leads(table.id):
        raise Refused(NOT_ALLOWED)
    kind = BallotKind(form["kind"])
    now = clock.now()
    closes_at = now + timedelta(hours=callback_data.hours)
    today = clock.today(settings.zone)
    if kind in (BallotKind.STATEMENT, BallotKind.AMENDMENT):
        try:
            ballot, matter, thread_id = await _open_statement_ballot(
                session, kind, form, person, now, closes_at
            )
        except Refused:
            await state.clear()
            raise
    else:
        options: list[str] = []
        if kind in ELECTIONS:
            options = [str(p.id) for p in await seated_at(session, table.id, today)]
            options.append(EMPTY_BALLOT)
        ballot = await open_ballot(
            session,
            table_id=table.id,
            kind=kind,
            title=form.get("title") or default_title(kind),
            now=now,
            closes_at=closes_at,
            created_by=person.id,
            amount_cents=form.get("amount_cents"),
            recipient=form.get("recipient"),
            options=options,
        )
        matter, thread_id = Matter(), None
    await state.clear()
    await record(
        session,
        actor_id=person.id,
        action="ballot.open",
        subject=f"ballot:{ballot.id}",
        detail={"kind": kind.value, "closes_at": closes_at.isoformat()},
        at=now,
    )
    view = ballot_view(ballot, await option_names(session, ballot), matter, settings.zone)
    await tell_voters(session, i18n, view, ballot=ballot, now=now, today=today)
    # Answer only now: the first reply commits, and the queued ballots belong to that commit.
    await query.answer(str(BALLOT_OPENED), show_alert=True)
    await tell_group(bot, i18n, table, view, thread_id)


async def _open_statement_ballot(
    session: AsyncSession,
    kind: BallotKind,
    form: dict[str, Any],
    person: Person,
    now: datetime,
    closes_at: datetime,
) -> tuple[Ballot, Matter, int | None]:
    """The approval vote of a statement's current version, or the vote on an amendment to it;
    with what it asks and the statement's topic in the group."""
    statement = await session.get(Statement, form.get("statement_id", 0))
    if statement is None or statement.status is not StatementStatus.DRAFTING:
        raise Refused(ALREADY_STARTED)
    version = await current_version(session, statement.id)
    if version is None:
        raise Refused(refusal_text(Refusal.NO_VERSION))
    amendment = None
    if kind is BallotKind.AMENDMENT:
        amendment = await session.get(Amendment, form.get("amendment_id", 0))
        if amendment is None or amendment.status is not AmendmentStatus.PROPOSED:
            raise Refused(refusal_text(Refusal.ALREADY_DECIDED))
        if amendment.version_id != version.id:
            raise Refused(refusal_text(Refusal.SUPERSEDED))
        amendment.status = AmendmentStatus.VOTING
    else:
        statement.status = StatementStatus.VOTING
    ballot = await open_ballot(
        session,
        table_id=statement.table_id,
        kind=kind,
        title=statement.subject,
        now=now,
        closes_at=closes_at,
        created_by=person.id,
        statement_id=statement.id,
        version_id=version.id,
        amendment_id=amendment.id if amendment else None,
    )
    return ballot, Matter(version.number, amendment), statement.group_thread_id
