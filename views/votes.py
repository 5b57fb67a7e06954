"""What people read about ballots: the vote message, its buttons, the forms that open one, the
table's rules and the result."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.people import Table
from storage.statements import Amendment, Matter
from storage.vote_rules import EMPTY_BALLOT, Choice, Outcome, Rules, Tally
from storage.votes import ELECTIONS, Ballot, BallotKind, Cast
from views.callbacks import Cancel, Form, RowId
from views.common import STALE_BUTTON
from views.statements import StatementAct, StatementButton, open_statement_label
from views.text import esc, moment

# ---- button data ------------------------------------------------------------------------------


class VoteCast(CallbackData, prefix="v"):
    ballot_id: RowId
    option: str  # a Choice value, or an election option (a candidate's id, or EMPTY_BALLOT)


class VoteReason(CallbackData, prefix="vr"):
    ballot_id: RowId


class Length(enum.IntEnum):
    """How long a ballot stays open, in hours."""

    DAY = 24
    THREE_DAYS = 72
    WEEK = 168


class BallotLength(CallbackData, prefix="bl"):
    hours: Length


class Topic(enum.StrEnum):
    """What a new ballot decides; ASK shows the choice."""

    ASK = "?"
    PROPOSAL = BallotKind.PROPOSAL.value
    MONEY = BallotKind.MONEY.value
    CHAIR = BallotKind.CHAIR.value
    VICE_CHAIR = BallotKind.VICE_CHAIR.value


class NewBallot(CallbackData, prefix="nb"):
    table_id: RowId
    topic: Topic


class ShowBallot(CallbackData, prefix="sb"):
    ballot_id: RowId


class RuleKnob(enum.StrEnum):
    QUORUM = "q"
    MAJORITY = "m"
    BLOCK = "b"


class RuleStep(CallbackData, prefix="vs"):
    table_id: RowId
    knob: RuleKnob


# ---- labels -----------------------------------------------------------------------------------

CHOICE_LABELS: dict[Choice, LazyProxy] = {
    Choice.AGREE: __("Kannatan"),
    Choice.ABSTAIN: __("En ota kantaa"),
    Choice.DISAGREE: __("Vastustan"),
    Choice.BLOCK: __("Estän"),
}

KIND_LABELS: dict[BallotKind, LazyProxy] = {
    BallotKind.STATEMENT: __("Lausunnon hyväksyminen"),
    BallotKind.AMENDMENT: __("Muutosehdotus"),
    BallotKind.PROPOSAL: __("Esitys"),
    BallotKind.MONEY: __("Toimintaraha"),
    BallotKind.CHAIR: __("Puheenjohtajan vaali"),
    BallotKind.VICE_CHAIR: __("Varapuheenjohtajan vaali"),
}

OUTCOME_LABELS: dict[Outcome, LazyProxy] = {
    Outcome.PASSED: __("Hyväksytty."),
    Outcome.REJECTED: __("Hylätty."),
    Outcome.BLOCKED: __("Ei hyväksytty: joku esti päätöksen."),
    Outcome.NO_QUORUM: __("Ei päätöstä: liian moni jäi äänestämättä."),
    Outcome.ELECTED: __("Vaali ratkesi."),
    Outcome.TIE: __("Vaali ei ratkennut: tasapeli."),
}

TOPIC_LABELS: dict[Topic, LazyProxy] = {
    Topic.PROPOSAL: __("Esitys kaupungille"),
    Topic.MONEY: __("Toimintarahan käyttö"),
    Topic.CHAIR: __("Puheenjohtajan vaali"),
    Topic.VICE_CHAIR: __("Varapuheenjohtajan vaali"),
}

LENGTH_LABELS: dict[Length, LazyProxy] = {
    Length.DAY: __("1 päivä"),
    Length.THREE_DAYS: __("3 päivää"),
    Length.WEEK: __("1 viikko"),
}

# ---- answers in the same words everywhere ---------------------------------------------------

ONLY_MEMBERS_VOTE = __("Vain tämän pöydän jäsenet voivat äänestää.")
VOTING_ENDED = __("Äänestys on jo päättynyt. Ääntä ei tallennettu.")
VOTE_FIRST = __("Äänestä ensin. Sitten voit kirjoittaa perustelun.")
ASK_REASON = __("Kirjoita perustelusi yhteen viestiin.")
REASON_SAVED = __("Perustelu on tallennettu.")
ONLY_FOR_MEMBERS = __("Äänestykset ovat pöydän jäsenille.")
OPEN_BALLOTS = __("Avoimet äänestykset. Valitse yksi.")
ASK_TOPIC = __("Mistä äänestetään?")
ASK_LENGTH = __("Kuinka kauan äänestys on auki?")
ASK_PROPOSAL = __("Kirjoita lyhyesti, mistä päätetään.")
ASK_MONEY_USE = __("Mihin toimintaraha käytetään? Kirjoita lyhyesti.")
ASK_AMOUNT = __("Kuinka paljon rahaa? Kirjoita summa euroina, esimerkiksi 150 tai 150,50.")
UNREADABLE_AMOUNT = __("En ymmärtänyt summaa. Kirjoita pelkkä luku, esimerkiksi 150 tai 150,50.")
ASK_RECIPIENT = __("Kenelle raha maksetaan? Kirjoita saajan nimi.")
BALLOT_OPENED = __("Äänestys alkoi.")
ALREADY_STARTED = __("Äänestys on jo alkanut tai päättynyt.")
RULES_SAVED = __("Säännöt on tallennettu.")


def secret_cast_answer(cast: Cast) -> str:
    """What a secret voter is told; it never names the choice: someone may see the screen."""
    return str(
        {
            Cast.RECORDED: __("Äänesi on tallennettu. Kukaan ei näe, ketä äänestit."),
            Cast.ALREADY_VOTED: __(
                "Olet jo äänestänyt. Salaisessa vaalissa ääntä ei voi muuttaa."
            ),
            Cast.BAD_OPTION: STALE_BUTTON,
        }.get(cast, VOTING_ENDED)
    )


def open_cast_answer(cast: Cast, choice: Choice) -> str:
    return str(
        {
            Cast.RECORDED: __("Äänesi on tallennettu: {choice}."),
            Cast.CHANGED: __("Äänesi on muutettu: {choice}."),
            Cast.UNCHANGED: __("Olet jo äänestänyt näin: {choice}. Ääni lasketaan vain kerran."),
        }.get(cast, VOTING_ENDED)
    ).format(choice=CHOICE_LABELS[choice])


def reason_answer(cast: Cast) -> str:
    return str({Cast.RECORDED: REASON_SAVED, Cast.CLOSED: VOTING_ENDED}.get(cast, VOTE_FIRST))


def default_title(kind: BallotKind) -> str:
    """The title of a ballot nobody wrote one for: an election is named by its kind."""
    return str(KIND_LABELS[kind])


def statement_question(version_number: int) -> str:
    return _(
        "Hyväksytäänkö lausunto, versio {number}? Paina Avaa lausunto, niin näet tekstin."
    ).format(number=version_number)


def amendment_question(amendment: Amendment) -> str:
    return _("Nyt: {old}\nTilalle: {new}").format(old=amendment.old_text, new=amendment.new_text)


def euros(cents: int) -> str:
    """`1 250,50 €`."""
    whole, part = divmod(cents, 100)
    grouped = f"{whole:,}".replace(",", "\u00a0")
    return f"{grouped},{part:02d}\u00a0€"


# ---- the ballot ------------------------------------------------------------------------------


def _title_line(ballot: Ballot) -> str | None:
    """The ballot's own title under the heading; an election's title is its kind, shown in the
    heading already in the reader's language."""
    if ballot.kind in ELECTIONS or ballot.title == str(KIND_LABELS[ballot.kind]):
        return None
    return f"<b>{esc(ballot.title)}</b>"


def ballot_text(
    ballot: Ballot,
    zone: ZoneInfo,
    language: str,
    matter: Matter | None = None,
) -> str:
    """The ballot as one reader sees it. A statement or amendment ballot asks its question in
    the reader's language when its matter is given."""
    lines = [_("🗳 <b>{kind}</b>").format(kind=KIND_LABELS[ballot.kind])]
    title = _title_line(ballot)
    if title:
        lines.append(title)
    if ballot.kind is BallotKind.STATEMENT and matter and matter.version_number is not None:
        lines.append(esc(statement_question(matter.version_number)))
    elif ballot.kind is BallotKind.AMENDMENT and matter and matter.amendment is not None:
        lines.append(esc(amendment_question(matter.amendment)))
    elif ballot.body:
        lines.append(esc(ballot.body))
    if ballot.amount_cents is not None:
        lines.append(_("Summa: {amount}").format(amount=euros(ballot.amount_cents)))
    if ballot.recipient:
        lines.append(_("Saaja: {recipient}").format(recipient=esc(ballot.recipient)))
    lines.append("")
    lines.append(
        _("Äänestys päättyy {time}.").format(time=moment(ballot.closes_at, zone, language))
    )
    if ballot.secret:
        lines.append(_("Vaali on salainen. Kukaan ei näe, ketä äänestit. Voit äänestää kerran."))
    else:
        lines.append(_("Voit muuttaa ääntäsi siihen asti."))
    return "\n".join(lines)


def _option_label(option: str, names: dict[str, str]) -> str:
    return _("Tyhjä") if option == EMPTY_BALLOT else names.get(option, option)


def ballot_keyboard(
    ballot: Ballot, names: dict[str, str] | None = None, *, with_statement: bool = False
) -> InlineKeyboardMarkup:
    """The vote buttons; `with_statement` adds a way to the statement the ballot is about."""
    builder = InlineKeyboardBuilder()
    if ballot.secret:
        for option in ballot.options:
            builder.button(
                text=_option_label(option, names or {}),
                callback_data=VoteCast(ballot_id=ballot.id, option=option),
            )
        builder.adjust(1)
        return builder.as_markup()
    for choice in Choice:
        builder.button(
            text=str(CHOICE_LABELS[choice]),
            callback_data=VoteCast(ballot_id=ballot.id, option=choice.value),
        )
    builder.button(text=_("💬 Perustelu"), callback_data=VoteReason(ballot_id=ballot.id))
    sizes = [2, 2, 1]
    if with_statement and ballot.statement_id is not None:
        builder.button(
            text=open_statement_label(),
            callback_data=StatementButton(statement_id=ballot.statement_id, act=StatementAct.VIEW),
        )
        sizes.append(1)
    builder.adjust(*sizes)
    return builder.as_markup()


# ---- opening one -----------------------------------------------------------------------------


def ballots_list_markup(
    ballots: Sequence[Ballot], led: Sequence[Table], language: str
) -> InlineKeyboardMarkup:
    """Open ballots, then a new ballot for each table this person leads."""
    builder = InlineKeyboardBuilder()
    for ballot in ballots:
        title = default_title(ballot.kind) if ballot.kind in ELECTIONS else ballot.title
        builder.button(text=title[:50], callback_data=ShowBallot(ballot_id=ballot.id))
    for table in led:
        builder.button(
            text=_("➕ Uusi äänestys: {table}").format(table=table.name(language)),
            callback_data=NewBallot(table_id=table.id, topic=Topic.ASK),
        )
    builder.adjust(1)
    return builder.as_markup()


def topic_markup(table_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for topic, label in TOPIC_LABELS.items():
        builder.button(text=str(label), callback_data=NewBallot(table_id=table_id, topic=topic))
    builder.adjust(1)
    return builder.as_markup()


def length_markup() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for length in Length:
        builder.button(text=str(LENGTH_LABELS[length]), callback_data=BallotLength(hours=length))
    builder.button(text=_("Peru"), callback_data=Cancel(form=Form.BALLOT))
    builder.adjust(3, 1)
    return builder.as_markup()


# ---- the table's own rules --------------------------------------------------------------------


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
        callback_data=RuleStep(table_id=table_id, knob=RuleKnob.QUORUM),
    )
    builder.button(
        text=_("Enemmistö: yli {percent} %").format(percent=rules.majority_percent),
        callback_data=RuleStep(table_id=table_id, knob=RuleKnob.MAJORITY),
    )
    builder.button(
        text=_("Esto: pysäyttää") if rules.block_stops else _("Esto: vastaääni"),
        callback_data=RuleStep(table_id=table_id, knob=RuleKnob.BLOCK),
    )
    builder.adjust(1)
    return builder.as_markup()


# ---- the result --------------------------------------------------------------------------------


def tally_line(tally: Tally) -> str:
    return " · ".join(
        f"{CHOICE_LABELS[c]}: {n}"
        for c, n in (
            (Choice.AGREE, tally.agree),
            (Choice.ABSTAIN, tally.abstain),
            (Choice.DISAGREE, tally.disagree),
            (Choice.BLOCK, tally.block),
        )
    )


def result_lines(ballot: Ballot, names: dict[str, str]) -> list[str]:
    """The recorded result of a closed ballot, one fact per line."""
    result = ballot.result or {}
    outcome = Outcome(ballot.outcome) if ballot.outcome else Outcome.NO_QUORUM
    lines: list[str] = []
    if ballot.secret:
        counts: dict[str, int] = result.get("counts", {})
        for option, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            lines.append(f"{esc(_option_label(option, names))}: {count}")
    else:
        lines.append(tally_line(Tally(**result.get("tally", {}))))
    lines.append(
        _("Äänesti {voted}/{seated}.").format(
            voted=result.get("voted", 0), seated=result.get("seated", 0)
        )
    )
    lines.append(_("Tulos: {outcome}").format(outcome=OUTCOME_LABELS[outcome]))
    winner = result.get("winner")
    if winner:
        lines.append(_("Valituksi tuli {name}.").format(name=esc(names.get(winner, winner))))
    return lines


def result_text(ballot: Ballot, names: dict[str, str]) -> str:
    title = _title_line(ballot) or f"<b>{esc(KIND_LABELS[ballot.kind])}</b>"
    lines = [_("🗳 <b>Äänestys päättyi</b>"), title, "", *result_lines(ballot, names)]
    if ballot.kind is BallotKind.STATEMENT and ballot.outcome == Outcome.PASSED:
        lines += [
            "",
            _(
                "Jos äänestit vastaan, voit liittää lausuntoon eriävän mielipiteen. "
                "Paina Avaa lausunto."
            ),
        ]
    return "\n".join(lines)
