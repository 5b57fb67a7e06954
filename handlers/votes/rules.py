"""A table's own vote rules: shown to its people, stepped through by whoever leads it."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from handlers.routing import Refused, command, message_of
from storage.audit import record
from storage.people import Person, Table, tables_in_order
from storage.roles import Access
from storage.vote_rules import Rules
from storage.votes import rules_for, set_rules
from views.common import NOT_ALLOWED
from views.votes import (
    ONLY_FOR_MEMBERS,
    RULES_SAVED,
    RuleKnob,
    RuleStep,
    rules_markup,
    rules_text,
)

QUORUM_STEPS = (50, 33, 66, 75)
MAJORITY_STEPS = (50, 66)


def create_router() -> Router:
    router = Router(name="votes.rules")
    router.message.register(show_rules, command("voterules"))
    router.callback_query.register(rule_step, RuleStep.filter())
    return router


def _next(steps: tuple[int, ...], current: int) -> int:
    return steps[(steps.index(current) + 1) % len(steps)] if current in steps else steps[0]


def stepped(rules: Rules, knob: RuleKnob) -> Rules:
    """The rules with one knob turned to its next setting."""
    return Rules(
        quorum_percent=_next(QUORUM_STEPS, rules.quorum_percent)
        if knob is RuleKnob.QUORUM
        else rules.quorum_percent,
        majority_percent=_next(MAJORITY_STEPS, rules.majority_percent)
        if knob is RuleKnob.MAJORITY
        else rules.majority_percent,
        block_stops=not rules.block_stops if knob is RuleKnob.BLOCK else rules.block_stops,
    )


async def show_rules(message: Message, access: Access, session: AsyncSession, i18n: I18n) -> None:
    tables = [t for t in await tables_in_order(session) if access.belongs_to(t.id)]
    if not tables:
        await message.answer(str(ONLY_FOR_MEMBERS))
        return
    for table in tables:
        rules = await rules_for(session, table.id)
        await message.answer(
            rules_text(table, rules, i18n.current_locale),
            reply_markup=rules_markup(table.id, rules, access.leads(table.id)),
        )


async def rule_step(
    query: CallbackQuery,
    callback_data: RuleStep,
    access: Access,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    table = await session.get(Table, callback_data.table_id)
    if table is None or not access.leads(table.id):
        raise Refused(NOT_ALLOWED)
    shown = message_of(query)
    new = stepped(await rules_for(session, table.id), callback_data.knob)
    await set_rules(session, table.id, new)
    await record(
        session,
        actor_id=person.id,
        action="vote_rules.change",
        subject=f"table:{table.id}",
        detail={
            "quorum_percent": new.quorum_percent,
            "majority_percent": new.majority_percent,
            "block_stops": new.block_stops,
        },
        at=clock.now(),
    )
    await query.answer(str(RULES_SAVED))
    await shown.edit_text(
        rules_text(table, new, i18n.current_locale), reply_markup=rules_markup(table.id, new, True)
    )
