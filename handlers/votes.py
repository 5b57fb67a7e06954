"""Votes: casting and changing them, reasons, and opening ballots (statements, amendments,
proposals, operating money, chair and vice-chair elections)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.settings import Settings
from handlers.filters import IsKnown
from handlers.routing import command
from handlers.statements import AmDecide, StAct
from notify.fanout import Rendered
from notify.table import send_private, tell_group, tell_members
from storage.audit import record
from storage.people import Person, Table, table_roster, tables_in_order
from storage.roles import SEATED_ROLES, Access
from storage.statements import (
    Amendment,
    AmendmentStatus,
    Statement,
    StatementStatus,
    current_version,
)
from storage.vote_rules import EMPTY_BALLOT, Choice, Rules, may_vote
from storage.votes import (
    Ballot,
    BallotKind,
    Cast,
    cast_open_vote,
    cast_secret_vote,
    open_ballot,
    open_ballots,
    option_names,
    rules_for,
    set_reason,
    set_rules,
    vote_of,
)
from views.callbacks import Cancel, Form, Menu, MenuItem
from views.common import NOT_ALLOWED
from views.text import esc
from views.votes import CHOICE_LABELS, VoteCast, VoteReason, ballot_text, vote_keyboard


class BallotLength(CallbackData, prefix="bl"):
    hours: int


class NewBallot(CallbackData, prefix="nb"):
    table_id: int
    kind: str


class ShowBallot(CallbackData, prefix="sb"):
    b: int


class RuleStep(CallbackData, prefix="vs"):
    t: int  # table id
    what: str  # "q" quorum, "m" majority, "b" block


router = Router(name="votes")
ANSWER = F.text & ~F.text.startswith("/")
router.message.filter(IsKnown())
router.callback_query.filter(IsKnown())

LENGTHS = (24, 72, 168)
QUORUM_STEPS = (50, 33, 66, 75)
MAJORITY_STEPS = (50, 66)
MONEY = re.compile(r"^\s*(\d{1,7})(?:[,.](\d{1,2}))?\s*(?:€|e|eur|euroa)?\s*$", re.IGNORECASE)


class BallotForm(StatesGroup):
    title = State()
    amount = State()
    recipient = State()
    length = State()


class Reasoning(StatesGroup):
    text = State()


def parse_euros(text: str) -> int | None:
    """`150`, `150,5`, `150.50 €` as cents; None if it is not a positive amount."""
    match = MONEY.match(text)
    if match is None:
        return None
    whole, part = match.groups()
    cents = int(whole) * 100 + (int(part.ljust(2, "0")) if part else 0)
    return cents or None


# ---- casting --------------------------------------------------------------------------------


@router.callback_query(VoteCast.filter())
async def vote_pressed(
    query: CallbackQuery,
    callback_data: VoteCast,
    access: Access,
    person: Person,
    session: AsyncSession,
    clock: Clock,
) -> None:
    ballot = await session.get(Ballot, callback_data.b)
    if ballot is None:
        await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
        return
    if not may_vote(access, ballot.table_id):
        await query.answer(_("Vain tämän pöydän jäsenet voivat äänestää."), show_alert=True)
        return
    now = clock.now()
    if not ballot.is_open(now):
        await query.answer(_("Äänestys on jo päättynyt. Ääntä ei tallennettu."), show_alert=True)
        return
    if ballot.secret:
        cast = await cast_secret_vote(session, ballot, person.id, callback_data.c, now)
        # The answer never names the choice: someone may be looking at the screen.
        await query.answer(
            {
                Cast.RECORDED: _("Äänesi on tallennettu. Kukaan ei näe, ketä äänestit."),
                Cast.ALREADY_VOTED: _(
                    "Olet jo äänestänyt. Salaisessa vaalissa ääntä ei voi muuttaa."
                ),
                Cast.BAD_OPTION: _("Tämä nappi ei ole enää käytössä. Paina /valikko."),
            }.get(cast, _("Äänestys on jo päättynyt. Ääntä ei tallennettu.")),
            show_alert=True,
        )
        return
    try:
        choice = Choice(callback_data.c)
    except ValueError:
        await query.answer(_("Tämä nappi ei ole enää käytössä. Paina /valikko."), show_alert=True)
        return
    cast = await cast_open_vote(session, ballot, person.id, choice, now)
    label = CHOICE_LABELS[choice]
    await query.answer(
        {
            Cast.RECORDED: _("Äänesi on tallennettu: {choice}."),
            Cast.CHANGED: _("Äänesi on muutettu: {choice}."),
            Cast.UNCHANGED: _("Olet jo äänestänyt näin: {choice}. Ääni lasketaan vain kerran."),
        }.get(cast, _("Äänestys on jo päättynyt. Ääntä ei tallennettu.")).format(choice=label),
        show_alert=True,
    )


@router.callback_query(VoteReason.filter())
async def reason_pressed(
    query: CallbackQuery,
    callback_data: VoteReason,
    access: Access,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    ballot = await session.get(Ballot, callback_data.b)
    if ballot is None or not may_vote(access, ballot.table_id) or ballot.secret:
        await query.answer(_("Vain tämän pöydän jäsenet voivat äänestää."), show_alert=True)
        return
    if not ballot.is_open(clock.now()):
        await query.answer(_("Äänestys on jo päättynyt. Ääntä ei tallennettu."), show_alert=True)
        return
    if await vote_of(session, ballot.id, person.id) is None:
        await query.answer(_("Äänestä ensin. Sitten voit kirjoittaa perustelun."), show_alert=True)
        return
    await query.answer()
    await state.clear()
    await state.set_state(Reasoning.text)
    await state.update_data(ballot_id=ballot.id)
    assert query.bot is not None
    await send_private(query.bot, query.from_user.id, _("Kirjoita perustelusi yhteen viestiin."))


@router.message(Reasoning.text, ANSWER)
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
        await message.answer(_("Vain tämän pöydän jäsenet voivat äänestää."))
        return
    cast = await set_reason(
        session, ballot, person.id, (message.text or "").strip()[:2000], clock.now()
    )
    await message.answer(
        {
            Cast.RECORDED: _("Perustelu on tallennettu."),
            Cast.CLOSED: _("Äänestys on jo päättynyt. Ääntä ei tallennettu."),
        }.get(cast, _("Äänestä ensin. Sitten voit kirjoittaa perustelun."))
    )


# ---- listing --------------------------------------------------------------------------------


@router.callback_query(MenuItem.filter(F.item == Menu.VOTES))
async def votes_menu(
    query: CallbackQuery, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    await query.answer()
    tables = await tables_in_order(session)
    own = access.own_tables([t.id for t in tables])
    builder = InlineKeyboardBuilder()
    for ballot in await open_ballots(session, own):
        builder.button(text=ballot.title[:50], callback_data=ShowBallot(b=ballot.id))
    for table in tables:
        if access.leads(table.id):
            builder.button(
                text=_("➕ Uusi äänestys: {table}").format(table=table.name(i18n.current_locale)),
                callback_data=NewBallot(table_id=table.id, kind="?"),
            )
    builder.adjust(1)
    assert query.bot is not None
    await send_private(
        query.bot,
        query.from_user.id,
        _("Avoimet äänestykset. Valitse yksi.")
        if own
        else _("Äänestykset ovat pöydän jäsenille."),
        markup=builder.as_markup(),
    )


@router.callback_query(ShowBallot.filter())
async def show_ballot(
    query: CallbackQuery,
    callback_data: ShowBallot,
    access: Access,
    session: AsyncSession,
    settings: Settings,
    i18n: I18n,
) -> None:
    ballot = await session.get(Ballot, callback_data.b)
    if ballot is None or not access.belongs_to(ballot.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    names = await option_names(session, ballot)
    assert query.bot is not None
    await send_private(
        query.bot,
        query.from_user.id,
        ballot_text(ballot, settings.zone, i18n.current_locale),
        markup=vote_keyboard(ballot, names),
    )


# ---- opening ballots ------------------------------------------------------------------------


def _length_markup() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    labels = {24: _("1 päivä"), 72: _("3 päivää"), 168: _("1 viikko")}
    for hours in LENGTHS:
        builder.button(text=labels[hours], callback_data=BallotLength(hours=hours))
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.BALLOT))
    builder.adjust(3, 1)
    return builder.as_markup()


async def _ask_length(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    await state.clear()
    await state.set_state(BallotForm.length)
    await state.update_data(**data)
    assert query.bot is not None
    await send_private(
        query.bot, query.from_user.id, _("Kuinka kauan äänestys on auki?"), markup=_length_markup()
    )


@router.callback_query(Cancel.filter(F.form == Form.BALLOT))
async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Peruttu."))


@router.callback_query(StAct.filter(F.act == "vote"))
async def statement_vote(
    query: CallbackQuery,
    callback_data: StAct,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    statement = await session.get(Statement, callback_data.id)
    if statement is None or not access.leads(statement.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    if statement.status is not StatementStatus.DRAFTING:
        await query.answer(_("Äänestys on jo alkanut tai päättynyt."), show_alert=True)
        return
    await query.answer()
    await _ask_length(
        query,
        state,
        kind=BallotKind.STATEMENT.value,
        statement_id=statement.id,
        table_id=statement.table_id,
    )


@router.callback_query(AmDecide.filter(F.act == "vote"))
async def amendment_vote(
    query: CallbackQuery,
    callback_data: AmDecide,
    access: Access,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    amendment = await session.get(Amendment, callback_data.id)
    statement = await session.get(Statement, amendment.statement_id) if amendment else None
    if amendment is None or statement is None or not access.leads(statement.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    if amendment.status is not AmendmentStatus.PROPOSED:
        await query.answer(_("Tästä ehdotuksesta on jo päätetty."), show_alert=True)
        return
    await query.answer()
    await _ask_length(
        query,
        state,
        kind=BallotKind.AMENDMENT.value,
        amendment_id=amendment.id,
        statement_id=statement.id,
        table_id=statement.table_id,
    )


@router.callback_query(NewBallot.filter(F.kind == "?"))
async def choose_kind(query: CallbackQuery, callback_data: NewBallot, access: Access) -> None:
    if not access.leads(callback_data.table_id):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    builder = InlineKeyboardBuilder()
    for kind, label in (
        (BallotKind.PROPOSAL, _("Esitys kaupungille")),
        (BallotKind.MONEY, _("Toimintarahan käyttö")),
        (BallotKind.CHAIR, _("Puheenjohtajan vaali")),
        (BallotKind.VICE_CHAIR, _("Varapuheenjohtajan vaali")),
    ):
        builder.button(
            text=label, callback_data=NewBallot(table_id=callback_data.table_id, kind=kind.value)
        )
    builder.adjust(1)
    assert query.bot is not None
    await send_private(
        query.bot, query.from_user.id, _("Mistä äänestetään?"), markup=builder.as_markup()
    )


@router.callback_query(NewBallot.filter(F.kind != "?"))
async def kind_chosen(
    query: CallbackQuery, callback_data: NewBallot, access: Access, state: FSMContext
) -> None:
    try:
        kind = BallotKind(callback_data.kind)
    except ValueError:
        kind = BallotKind.STATEMENT
    if not access.leads(callback_data.table_id) or kind in (
        BallotKind.STATEMENT,
        BallotKind.AMENDMENT,
    ):
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    if kind in (BallotKind.CHAIR, BallotKind.VICE_CHAIR):
        await _ask_length(query, state, kind=kind.value, table_id=callback_data.table_id)
        return
    await state.clear()
    await state.set_state(BallotForm.title)
    await state.update_data(kind=kind.value, table_id=callback_data.table_id)
    assert query.bot is not None
    await send_private(
        query.bot,
        query.from_user.id,
        _("Kirjoita lyhyesti, mistä päätetään.")
        if kind is BallotKind.PROPOSAL
        else _("Mihin toimintaraha käytetään? Kirjoita lyhyesti."),
    )


@router.message(BallotForm.title, ANSWER)
async def got_title(message: Message, state: FSMContext) -> None:
    title = (message.text or "").strip()
    if not title:
        return
    data = await state.update_data(title=title[:300])
    if data["kind"] == BallotKind.MONEY.value:
        await state.set_state(BallotForm.amount)
        await message.answer(
            _("Kuinka paljon rahaa? Kirjoita summa euroina, esimerkiksi 150 tai 150,50.")
        )
        return
    await state.set_state(BallotForm.length)
    await message.answer(_("Kuinka kauan äänestys on auki?"), reply_markup=_length_markup())


@router.message(BallotForm.amount, ANSWER)
async def got_amount(message: Message, state: FSMContext) -> None:
    cents = parse_euros(message.text or "")
    if cents is None:
        await message.answer(
            _("En ymmärtänyt summaa. Kirjoita pelkkä luku, esimerkiksi 150 tai 150,50.")
        )
        return
    await state.update_data(amount_cents=cents)
    await state.set_state(BallotForm.recipient)
    await message.answer(_("Kenelle raha maksetaan? Kirjoita saajan nimi."))


@router.message(BallotForm.recipient, ANSWER)
async def got_recipient(message: Message, state: FSMContext) -> None:
    recipient = (message.text or "").strip()
    if not recipient:
        return
    await state.update_data(recipient=recipient[:200])
    await state.set_state(BallotForm.length)
    await message.answer(_("Kuinka kauan äänestys on auki?"), reply_markup=_length_markup())


@router.callback_query(BallotForm.length, BallotLength.filter())
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
    data = await state.get_data()
    table = await session.get(Table, data.get("table_id", 0))
    if table is None or not access.leads(table.id) or callback_data.hours not in LENGTHS:
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    kind = BallotKind(data["kind"])
    now = clock.now()
    closes_at = now + timedelta(hours=callback_data.hours)
    today = now.astimezone(settings.zone).date()
    thread_id = None
    if kind in (BallotKind.STATEMENT, BallotKind.AMENDMENT):
        opened = await _open_statement_ballot(session, kind, data, person, now, closes_at)
        if isinstance(opened, str):
            await state.clear()
            await query.answer(opened, show_alert=True)
            return
        ballot, thread_id = opened
    else:
        options: list[str] = []
        if kind in (BallotKind.CHAIR, BallotKind.VICE_CHAIR):
            roster = await table_roster(session, table.id, today)
            options = [str(p.id) for p, role in roster if role in SEATED_ROLES] + [EMPTY_BALLOT]
        title = data.get("title") or (
            _("Puheenjohtajan vaali")
            if kind is BallotKind.CHAIR
            else _("Varapuheenjohtajan vaali")
        )
        ballot = await open_ballot(
            session,
            table_id=table.id,
            kind=kind,
            title=title,
            now=now,
            closes_at=closes_at,
            created_by=person.id,
            amount_cents=data.get("amount_cents"),
            recipient=data.get("recipient"),
            options=options,
        )
    await state.clear()
    await record(
        session,
        actor_id=person.id,
        action="ballot.open",
        subject=f"ballot:{ballot.id}",
        detail={"kind": kind.value, "closes_at": closes_at.isoformat()},
        at=now,
    )
    names = await option_names(session, ballot)

    def render(language: str) -> Rendered:
        keyboard = vote_keyboard(ballot, names)
        if ballot.statement_id is not None:
            keyboard.inline_keyboard.append(
                [
                    InlineKeyboardButton(
                        text=_("📝 Avaa lausunto"),
                        callback_data=StAct(id=ballot.statement_id, act="view").pack(),
                    )
                ]
            )
        return Rendered(ballot_text(ballot, settings.zone, i18n.current_locale), keyboard)

    # Coordinators serve the table but do not vote, so the ballot goes to seated members.
    await tell_members(
        session,
        i18n,
        table_id=table.id,
        batch=f"ballot:{ballot.id}:open",
        view=render,
        now=now,
        today=today,
        with_coordinators=False,
    )
    # Answer only now: the first reply commits, and the queued ballots belong to that commit.
    await query.answer(_("Äänestys alkoi."), show_alert=True)
    await tell_group(bot, i18n, table, render, thread_id)


async def _open_statement_ballot(
    session: AsyncSession,
    kind: BallotKind,
    data: dict[str, object],
    person: Person,
    now: datetime,
    closes_at: datetime,
) -> tuple[Ballot, int | None] | str:
    statement = await session.get(Statement, data.get("statement_id", 0))
    if statement is None or statement.status is not StatementStatus.DRAFTING:
        return _("Äänestys on jo alkanut tai päättynyt.")
    version = await current_version(session, statement.id)
    if version is None:
        return _("Luonnosta ei ole vielä.")
    if kind is BallotKind.STATEMENT:
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
            body=_(
                "Hyväksytäänkö lausunto, versio {number}? Paina Avaa lausunto, niin näet tekstin."
            ).format(number=version.number),
        )
        return ballot, statement.group_thread_id
    amendment = await session.get(Amendment, data.get("amendment_id", 0))
    if amendment is None or amendment.status is not AmendmentStatus.PROPOSED:
        return _("Tästä ehdotuksesta on jo päätetty.")
    if amendment.version_id != version.id:
        return _(
            "Luonnoksesta on tullut uusi versio. Ehdotuksesi koski vanhaa "
            "versiota. Tee ehdotus uuteen versioon."
        )
    amendment.status = AmendmentStatus.VOTING
    body = _("Nyt: {old}\nTilalle: {new}").format(old=amendment.old_text, new=amendment.new_text)
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
        amendment_id=amendment.id,
        body=body,
    )
    return ballot, statement.group_thread_id


# ---- the table's own rules ------------------------------------------------------------------


def rules_text(table: Table, rules: Rules, language: str) -> str:
    block = (
        _("Yksikin Estän-ääni pysäyttää päätöksen.")
        if rules.block_stops
        else _("Estän-ääni lasketaan vastaääneksi.")
    )
    return "\n".join(
        [
            _("⚖️ <b>Äänestyssäännöt</b>: {table}").format(table=esc(table.name(language))),
            _("Päätösvaltaisuus: yli {percent} % jäsenistä äänestää.").format(
                percent=rules.quorum_percent
            ),
            _(
                "Enemmistö: Kannatan-ääniä on yli {percent} % Kannatan- ja Vastustan-äänistä."
            ).format(percent=rules.majority_percent),
            block,
            "",
            _("Muutos koskee äänestyksiä, jotka alkavat tämän jälkeen."),
        ]
    )


def rules_markup(table_id: int, rules: Rules, may_change: bool) -> InlineKeyboardMarkup | None:
    if not may_change:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Päätösvaltaisuus: yli {percent} %").format(percent=rules.quorum_percent),
        callback_data=RuleStep(t=table_id, what="q"),
    )
    builder.button(
        text=_("Enemmistö: yli {percent} %").format(percent=rules.majority_percent),
        callback_data=RuleStep(t=table_id, what="m"),
    )
    builder.button(
        text=_("Esto: pysäyttää") if rules.block_stops else _("Esto: vastaääni"),
        callback_data=RuleStep(t=table_id, what="b"),
    )
    builder.adjust(1)
    return builder.as_markup()


def _next(steps: tuple[int, ...], current: int) -> int:
    return steps[(steps.index(current) + 1) % len(steps)] if current in steps else steps[0]


@router.message(command("voterules"))
async def rules_command(
    message: Message, access: Access, session: AsyncSession, i18n: I18n
) -> None:
    tables = [t for t in await tables_in_order(session) if access.belongs_to(t.id)]
    if not tables:
        await message.answer(_("Äänestykset ovat pöydän jäsenille."))
        return
    for table in tables:
        rules = await rules_for(session, table.id)
        await message.answer(
            rules_text(table, rules, i18n.current_locale),
            reply_markup=rules_markup(table.id, rules, access.leads(table.id)),
        )


@router.callback_query(RuleStep.filter())
async def rule_step(
    query: CallbackQuery,
    callback_data: RuleStep,
    access: Access,
    person: Person,
    session: AsyncSession,
    clock: Clock,
    i18n: I18n,
) -> None:
    table = await session.get(Table, callback_data.t)
    if table is None or not access.leads(table.id) or callback_data.what not in "qmb":
        await query.answer(str(NOT_ALLOWED), show_alert=True)
        return
    old = await rules_for(session, table.id)
    new = Rules(
        quorum_percent=_next(QUORUM_STEPS, old.quorum_percent)
        if callback_data.what == "q"
        else old.quorum_percent,
        majority_percent=_next(MAJORITY_STEPS, old.majority_percent)
        if callback_data.what == "m"
        else old.majority_percent,
        block_stops=not old.block_stops if callback_data.what == "b" else old.block_stops,
    )
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
    await query.answer(_("Säännöt on tallennettu."))
    if isinstance(query.message, Message):
        await query.message.edit_text(
            rules_text(table, new, i18n.current_locale),
            reply_markup=rules_markup(table.id, new, True),
        )
