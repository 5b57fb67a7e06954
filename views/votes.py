"""What people read about ballots: the vote message, its buttons and the result."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from aiogram.utils.keyboard import InlineKeyboardBuilder

from storage.vote_rules import EMPTY_BALLOT, Choice, Outcome, Tally
from storage.votes import Ballot, BallotKind
from views.text import esc, moment


class VoteCast(CallbackData, prefix="v"):
    b: int  # ballot id
    c: str  # a Choice value, or an election option


class VoteReason(CallbackData, prefix="vr"):
    b: int


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


def euros(cents: int) -> str:
    """`1 250,50 €`."""
    whole, part = divmod(cents, 100)
    grouped = f"{whole:,}".replace(",", "\u00a0")
    return f"{grouped},{part:02d}\u00a0€"


def ballot_text(ballot: Ballot, zone: ZoneInfo, language: str) -> str:
    lines = [_("🗳 <b>{kind}</b>").format(kind=KIND_LABELS[ballot.kind])]
    if ballot.title != str(KIND_LABELS[ballot.kind]):
        lines.append(f"<b>{esc(ballot.title)}</b>")
    if ballot.body:
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


def vote_keyboard(ballot: Ballot, names: dict[str, str] | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if ballot.secret:
        for option in ballot.options:
            label = _("Tyhjä") if option == EMPTY_BALLOT else (names or {}).get(option, option)
            builder.button(text=label, callback_data=VoteCast(b=ballot.id, c=option))
        builder.adjust(1)
        return builder.as_markup()
    for choice in Choice:
        builder.button(
            text=str(CHOICE_LABELS[choice]), callback_data=VoteCast(b=ballot.id, c=choice.value)
        )
    builder.button(text=_("💬 Perustelu"), callback_data=VoteReason(b=ballot.id))
    builder.adjust(2, 2, 1)
    return builder.as_markup()


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
            label = _("Tyhjä") if option == EMPTY_BALLOT else names.get(option, option)
            lines.append(f"{esc(label)}: {count}")
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
    head = [_("🗳 <b>Äänestys päättyi</b>"), f"<b>{esc(ballot.title)}</b>", ""]
    lines = head + result_lines(ballot, names)
    if ballot.kind is BallotKind.STATEMENT and ballot.outcome == Outcome.PASSED:
        lines += [
            "",
            _(
                "Jos äänestit vastaan, voit liittää lausuntoon eriävän mielipiteen. "
                "Paina Avaa lausunto."
            ),
        ]
    return "\n".join(lines)
