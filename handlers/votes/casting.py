"""Casting a vote (open, changeable; or secret, once) and writing a reason for it."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from handlers.routing import Refused
from handlers.votes.access import BallotToVote
from handlers.votes.common import ANSWER
from notify.table import send_private
from storage.people import Person
from storage.roles import Access
from storage.vote_rules import Choice, may_vote
from storage.votes import (
    Ballot,
    cast_open_vote,
    cast_secret_vote,
    set_reason,
    vote_of,
)
from views.common import STALE_BUTTON
from views.votes import (
    ASK_REASON,
    ONLY_MEMBERS_VOTE,
    VOTE_FIRST,
    VoteCast,
    VoteReason,
    open_cast_answer,
    reason_answer,
    secret_cast_answer,
)

REASON_MAX = 2000


class Reasoning(StatesGroup):
    text = State()


def create_router() -> Router:
    router = Router(name="votes.casting")
    router.callback_query.register(vote_pressed, VoteCast.filter(), BallotToVote())
    router.callback_query.register(reason_pressed, VoteReason.filter(), BallotToVote())
    router.message.register(got_reason, Reasoning.text, ANSWER)
    return router


async def vote_pressed(
    query: CallbackQuery,
    callback_data: VoteCast,
    ballot: Ballot,
    person: Person,
    session: AsyncSession,
    clock: Clock,
) -> None:
    now = clock.now()
    if ballot.secret:
        cast = await cast_secret_vote(session, ballot, person.id, callback_data.option, now)
        await query.answer(secret_cast_answer(cast), show_alert=True)
        return
    try:
        choice = Choice(callback_data.option)
    except ValueError:
        raise Refused(STALE_BUTTON) from None
    cast = await cast_open_vote(session, ballot, person.id, choice, now)
    await query.answer(open_cast_answer(cast, choice), show_alert=True)


async def reason_pressed(
    query: CallbackQuery,
    ballot: Ballot,
    person: Person,
    session: AsyncSession,
    state: FSMContext,
    bot: Bot,
) -> None:
    if ballot.secret:  # a secret vote has no reasons: they would tell the choice
        raise Refused(ONLY_MEMBERS_VOTE)
    if await vote_of(session, ballot.id, person.id) is None:
        raise Refused(VOTE_FIRST)
    await query.answer()
    await state.clear()
    await state.set_state(Reasoning.text)
    await state.update_data(ballot_id=ballot.id)
    await send_private(bot, query.from_user.id, str(ASK_REASON))


async def got_reason(
    message: Message,
    state: FSMContext,
    access: Access,
    person: Person,
    session: AsyncSession,
    clock: Clock,
) -> None:
    data = await state.get_data()
    await state.clear()
    ballot = await session.get(Ballot, data["ballot_id"])
    if ballot is None or not may_vote(access, ballot.table_id):
        raise Refused(ONLY_MEMBERS_VOTE)
    reason = (message.text or "").strip()[:REASON_MAX]
    cast = await set_reason(session, ballot, person.id, reason, clock.now())
    await message.answer(reason_answer(cast))
