"""Vote rules: who may vote, quorum, majority and election winners. Plain values only."""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from storage.roles import Access


class Choice(enum.StrEnum):
    AGREE = "agree"
    ABSTAIN = "abstain"
    DISAGREE = "disagree"
    BLOCK = "block"


class Outcome(enum.StrEnum):
    PASSED = "passed"
    REJECTED = "rejected"
    BLOCKED = "blocked"
    NO_QUORUM = "no_quorum"
    ELECTED = "elected"
    TIE = "tie"


@dataclass(frozen=True)
class Rules:
    """A table's rules. Defaults: more than half of the seated members vote; more agree than
    disagree; any block stops the decision until it is resolved."""

    quorum_percent: int = 50  # strictly more than this share of seated members must vote
    majority_percent: int = 50  # agree must be strictly more than this share of agree+disagree
    block_stops: bool = True

    def __post_init__(self) -> None:
        if not (0 <= self.quorum_percent < 100 and 0 <= self.majority_percent < 100):
            raise ValueError("percentages must be in 0..99")


@dataclass(frozen=True)
class Tally:
    agree: int = 0
    abstain: int = 0
    disagree: int = 0
    block: int = 0

    @classmethod
    def of(cls, choices: Iterable[Choice | str]) -> Tally:
        counts = Counter(Choice(c) for c in choices)
        return cls(
            counts[Choice.AGREE],
            counts[Choice.ABSTAIN],
            counts[Choice.DISAGREE],
            counts[Choice.BLOCK],
        )

    @property
    def voted(self) -> int:
        return self.agree + self.abstain + self.disagree + self.block

    def as_dict(self) -> dict[str, int]:
        return {
            "agree": self.agree,
            "abstain": self.abstain,
            "disagree": self.disagree,
            "block": self.block,
        }


def may_vote(access: Access, table_id: int) -> bool:
    """Only people seated at the ballot's table vote; coordinators serve but do not vote."""
    return access.sits_at(table_id)


def quorum_met(voted: int, seated: int, rules: Rules = Rules()) -> bool:
    # voted / seated > q / 100, in integers so 10 of 20 at 50 % is not enough.
    return seated > 0 and voted * 100 > rules.quorum_percent * seated


def decide(tally: Tally, seated: int, rules: Rules = Rules()) -> Outcome:
    if not quorum_met(tally.voted, seated, rules):
        return Outcome.NO_QUORUM
    if rules.block_stops and tally.block:
        return Outcome.BLOCKED
    against = tally.disagree + (0 if rules.block_stops else tally.block)
    if tally.agree * 100 > rules.majority_percent * (tally.agree + against):
        return Outcome.PASSED
    return Outcome.REJECTED


@dataclass(frozen=True)
class ElectionResult:
    outcome: Outcome
    winner: str | None
    counts: dict[str, int]


EMPTY_BALLOT = "empty"


def elect(counts: Mapping[str, int], seated: int, rules: Rules = Rules()) -> ElectionResult:
    """Most votes wins; empty ballots count for quorum only; a tie for first is no winner."""
    voted = sum(counts.values())
    candidates = {k: v for k, v in counts.items() if k != EMPTY_BALLOT and v > 0}
    if not quorum_met(voted, seated, rules):
        return ElectionResult(Outcome.NO_QUORUM, None, dict(counts))
    if not candidates:
        return ElectionResult(Outcome.TIE, None, dict(counts))
    best = max(candidates.values())
    leaders = [k for k, v in candidates.items() if v == best]
    if len(leaders) > 1:
        return ElectionResult(Outcome.TIE, None, dict(counts))
    return ElectionResult(Outcome.ELECTED, leaders[0], dict(counts))


MONEY = re.compile(r"^\s*(\d{1,7})(?:[,.](\d{1,2}))?\s*(?:€|e|eur|euroa)?\s*$", re.IGNORECASE)


def parse_euros(text: str) -> int | None:
    """`150`, `150,5`, `150.50 €` as cents; None if it is not a positive amount."""
    match = MONEY.match(text)
    if match is None:
        return None
    whole, part = match.groups()
    cents = int(whole) * 100 + (int(part.ljust(2, "0")) if part else 0)
    return cents or None
