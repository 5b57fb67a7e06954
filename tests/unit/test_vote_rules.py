"""Quorum, majority, blocks and elections as plain rules."""

from __future__ import annotations

import pytest

from storage.roles import Access, Role
from storage.vote_rules import (
    EMPTY_BALLOT,
    Choice,
    Outcome,
    Rules,
    Tally,
    decide,
    elect,
    may_vote,
    parse_euros,
    quorum_met,
)


def test_quorum_needs_more_than_half_of_seated_members() -> None:
    assert not quorum_met(10, 20)
    assert quorum_met(11, 20)
    assert not quorum_met(0, 0)


def test_quorum_is_configurable() -> None:
    assert quorum_met(7, 20, Rules(quorum_percent=33))
    assert not quorum_met(6, 20, Rules(quorum_percent=33))


def test_more_agree_than_disagree_passes() -> None:
    assert decide(Tally(agree=6, disagree=5), 20) is Outcome.PASSED
    assert decide(Tally(agree=5, disagree=5, abstain=1), 20) is Outcome.REJECTED


def test_abstentions_count_for_quorum_only() -> None:
    assert decide(Tally(agree=1, abstain=10), 20) is Outcome.PASSED


def test_without_quorum_there_is_no_decision() -> None:
    assert decide(Tally(agree=10), 20) is Outcome.NO_QUORUM


def test_one_block_stops_the_decision_by_default() -> None:
    assert decide(Tally(agree=15, block=1), 20) is Outcome.BLOCKED


def test_a_table_may_count_blocks_as_disagree() -> None:
    rules = Rules(block_stops=False)
    assert decide(Tally(agree=15, block=1), 20, rules) is Outcome.PASSED
    assert decide(Tally(agree=6, disagree=3, block=3), 20, rules) is Outcome.REJECTED


def test_qualified_majority() -> None:
    rules = Rules(majority_percent=66)
    assert decide(Tally(agree=13, disagree=7), 20, rules) is Outcome.REJECTED
    assert decide(Tally(agree=14, disagree=6), 20, rules) is Outcome.PASSED


def test_rules_reject_nonsense() -> None:
    with pytest.raises(ValueError):
        Rules(quorum_percent=100)


def test_tally_counts_choices() -> None:
    tally = Tally.of([Choice.AGREE, "agree", Choice.BLOCK, "abstain"])
    assert tally.as_dict() == {"agree": 2, "abstain": 1, "disagree": 0, "block": 1}
    assert tally.voted == 4


def test_only_seated_members_of_that_table_vote() -> None:
    assert may_vote(Access(1, {7: Role.MEMBER}), 7)
    assert may_vote(Access(1, {7: Role.YOUTH_REP}), 7)
    assert not may_vote(Access(1, {8: Role.MEMBER}), 7)
    assert not may_vote(Access(1, {7: Role.COORDINATOR}), 7)
    assert not may_vote(Access(1, is_lead=True), 7)


def test_election_winner_tie_and_quorum() -> None:
    assert elect({"1": 6, "2": 4, EMPTY_BALLOT: 1}, 20).winner == "1"
    assert elect({"1": 6, "2": 6}, 20).outcome is Outcome.TIE
    assert elect({"1": 5, "2": 4}, 20).outcome is Outcome.NO_QUORUM
    assert elect({EMPTY_BALLOT: 11}, 20).outcome is Outcome.TIE


def test_euros() -> None:
    assert parse_euros("150") == 15000
    assert parse_euros("150,5 €") == 15050
    assert parse_euros("0") is None
    assert parse_euros("paljon") is None
