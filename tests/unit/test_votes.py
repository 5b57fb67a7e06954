"""The vote engine against a real migrated database: upserts, closing, secret ballots."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from scheduler.votes import close_ballot
from storage.db import create_engine, create_sessionmaker
from storage.people import Person, Table, grant_role
from storage.roles import Role
from storage.sealing import SEALED_BYTES, BallotKey, UnreadableChoice
from storage.vote_rules import EMPTY_BALLOT, Choice, Outcome, Rules
from storage.votes import (
    Ballot,
    BallotKind,
    BallotStatus,
    Cast,
    OpenVote,
    SecretChoice,
    SecretParticipation,
    cast_open_vote,
    cast_secret_vote,
    has_voted,
    not_voted,
    open_ballot,
    set_rules,
)

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
SETTINGS = Settings(bot_token="1:x", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    async with create_sessionmaker(engine, BallotKey.generate())() as session, session.begin():
        yield session
    await engine.dispose()


async def seat(session: AsyncSession, count: int) -> tuple[Table, list[Person]]:
    table = Table(slug="testi", name_fi="Testi", name_sv="Test", name_en="Test")
    session.add(table)
    people = []
    for index in range(count):
        person = Person(first_name=f"Jäsen {index}", private_chat_open=False, created_at=NOW)
        session.add(person)
        await session.flush()
        await grant_role(
            session,
            person=person,
            table=table,
            role=Role.MEMBER,
            starts_on=date(2026, 6, 1),
            ends_on=None,
            actor_id=None,
        )
        people.append(person)
    return table, people


async def test_open_votes_are_upserts_and_change(session: AsyncSession) -> None:
    table, people = await seat(session, 5)
    ballot = await open_ballot(
        session,
        table_id=table.id,
        kind=BallotKind.PROPOSAL,
        title="Esitys",
        now=NOW,
        closes_at=NOW + timedelta(days=1),
        created_by=None,
    )
    assert await cast_open_vote(session, ballot, people[0].id, Choice.AGREE, NOW) is Cast.RECORDED
    assert await cast_open_vote(session, ballot, people[0].id, Choice.AGREE, NOW) is Cast.UNCHANGED
    assert (
        await cast_open_vote(session, ballot, people[0].id, Choice.DISAGREE, NOW) is Cast.CHANGED
    )
    rows = list(await session.scalars(select(OpenVote)))
    assert [(r.person_id, r.choice) for r in rows] == [(people[0].id, Choice.DISAGREE)]
    late = NOW + timedelta(days=1)
    assert await cast_open_vote(session, ballot, people[1].id, Choice.AGREE, late) is Cast.CLOSED


async def test_closing_counts_quorum_and_is_claimed_once(session: AsyncSession) -> None:
    table, people = await seat(session, 6)
    await set_rules(session, table.id, Rules(quorum_percent=50))
    ballot = await open_ballot(
        session,
        table_id=table.id,
        kind=BallotKind.MONEY,
        title="Kahvit",
        now=NOW,
        closes_at=NOW + timedelta(hours=1),
        created_by=None,
        amount_cents=5000,
        recipient="Kahvila",
    )
    for person, choice in zip(
        people[:4], [Choice.AGREE, Choice.AGREE, Choice.ABSTAIN, Choice.DISAGREE], strict=True
    ):
        await cast_open_vote(session, ballot, person.id, choice, NOW)
    closed = await close_ballot(session, ballot.id, NOW + timedelta(hours=1), SETTINGS)
    assert closed is not None and closed.outcome == Outcome.PASSED
    assert closed.result == {
        "tally": {"agree": 2, "abstain": 1, "disagree": 1, "block": 0},
        "voted": 4,
        "seated": 6,
    }
    assert await close_ballot(session, ballot.id, NOW + timedelta(hours=2), SETTINGS) is None


async def test_secret_choices_cannot_be_tied_to_voters(session: AsyncSession) -> None:
    table, people = await seat(session, 9)
    options = [str(p.id) for p in people[:3]] + [EMPTY_BALLOT]
    ballot = await open_ballot(
        session,
        table_id=table.id,
        kind=BallotKind.CHAIR,
        title="Puheenjohtajan vaali",
        now=NOW,
        closes_at=NOW + timedelta(days=1),
        created_by=None,
        options=options,
    )
    assert ballot.secret
    plan = [options[0]] * 4 + [options[1]] * 3 + [EMPTY_BALLOT]
    for voter, option in zip(people, plan, strict=False):
        assert await cast_secret_vote(session, ballot, voter.id, option, NOW) is Cast.RECORDED
    # Once only, and not changeable: a change would need the link this design removes.
    assert (
        await cast_secret_vote(session, ballot, people[0].id, options[1], NOW)
        is Cast.ALREADY_VOTED
    )
    assert await cast_secret_vote(session, ballot, people[8].id, "999", NOW) is Cast.BAD_OPTION
    assert await has_voted(session, ballot, people[0].id)
    assert not await has_voted(session, ballot, people[8].id)
    assert await not_voted(session, ballot.id) == {people[8].id}

    # What is stored: an opaque mark per voter, a sealed choice per vote, nothing joining them.
    columns = await session.run_sync(
        lambda s: {
            name: {c["name"] for c in inspect(s.connection()).get_columns(name)}
            for name in ("secret_choices", "secret_participation")
        }
    )
    assert columns["secret_choices"] == {"token", "ballot_id", "sealed"}
    assert columns["secret_participation"] == {"ballot_id", "voter"}
    for name in ("secret_choices", "secret_participation"):
        foreign = await session.run_sync(
            lambda s, name=name: inspect(s.connection()).get_foreign_keys(name)
        )
        assert [fk["referred_table"] for fk in foreign] == ["ballots"]
    sealed = list(await session.scalars(select(SecretChoice.sealed)))
    assert len(sealed) == len(set(sealed)) == 8
    assert {len(s) for s in sealed} == {SEALED_BYTES}
    marks = list(await session.scalars(select(SecretParticipation.voter)))
    assert len(marks) == 8 and not any(str(p.id).encode() == m for p in people for m in marks)
    assert list(await session.scalars(select(OpenVote))) == []
    if session.get_bind().dialect.name == "sqlite":
        for name in ("secret_choices", "secret_participation"):
            sql = await session.scalar(
                text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": name}
            )
            assert "WITHOUT ROWID" in sql
    audit = await session.scalars(text("SELECT detail FROM audit_log"))
    assert not any(o in str(d) for d in audit for o in ("option", EMPTY_BALLOT))

    closed = await close_ballot(session, ballot.id, NOW + timedelta(days=1), SETTINGS)
    assert closed is not None and closed.outcome == Outcome.ELECTED
    assert closed.result == {
        "counts": {options[0]: 4, options[1]: 3, options[2]: 0, EMPTY_BALLOT: 1},
        "voted": 8,
        "seated": 9,
        "winner": options[0],
    }
    ballot_row = await session.get(Ballot, ballot.id)
    assert ballot_row is not None and ballot_row.status.value == "closed"
    # The counts are the record now; the sealed rows and the voter marks are gone.
    assert list(await session.scalars(select(SecretChoice))) == []
    assert list(await session.scalars(select(SecretParticipation))) == []


async def test_a_secret_ballot_is_not_counted_with_another_key(database_url: str) -> None:
    """A changed or lost POYTABOT_BALLOT_KEY: the close refuses, changes nothing and is tried
    again; with the right key back, the votes are counted."""
    engine = create_engine(database_url)
    right, wrong = BallotKey.generate(), BallotKey.generate()
    try:
        async with create_sessionmaker(engine, right)() as session, session.begin():
            table, people = await seat(session, 3)
            ballot = await open_ballot(
                session,
                table_id=table.id,
                kind=BallotKind.CHAIR,
                title="Puheenjohtajan vaali",
                now=NOW,
                closes_at=NOW + timedelta(days=1),
                created_by=None,
                options=[str(people[0].id), EMPTY_BALLOT],
            )
            for person in people:
                await cast_secret_vote(session, ballot, person.id, str(people[0].id), NOW)
        later = NOW + timedelta(days=1)
        with pytest.raises(UnreadableChoice, match=f"ballot {ballot.id} does not open"):
            async with create_sessionmaker(engine, wrong)() as session, session.begin():
                await close_ballot(session, ballot.id, later, SETTINGS)
        async with create_sessionmaker(engine, right)() as session, session.begin():
            assert await session.scalar(select(func.count()).select_from(SecretChoice)) == 3
            closed = await close_ballot(session, ballot.id, later, SETTINGS)
            assert closed is not None and closed.result is not None
            assert closed.result["counts"] == {str(people[0].id): 3, EMPTY_BALLOT: 0}
    finally:
        await engine.dispose()


async def test_a_secret_vote_after_the_close_is_refused(session: AsyncSession) -> None:
    """The ballot row says closed though this voter's copy still says open: nothing written."""
    table, people = await seat(session, 2)
    ballot = await open_ballot(
        session,
        table_id=table.id,
        kind=BallotKind.CHAIR,
        title="Puheenjohtajan vaali",
        now=NOW,
        closes_at=NOW + timedelta(days=1),
        created_by=None,
        options=[str(people[0].id), EMPTY_BALLOT],
    )
    await session.execute(
        update(Ballot).where(Ballot.id == ballot.id).values(status=BallotStatus.CLOSED)
    )
    stale = Ballot(**{c: getattr(ballot, c) for c in ("id", "options", "closes_at", "secret")})
    stale.status = BallotStatus.OPEN
    assert await cast_secret_vote(session, stale, people[1].id, EMPTY_BALLOT, NOW) is Cast.CLOSED
    assert await session.scalar(select(func.count()).select_from(SecretChoice)) == 0
    assert await session.scalar(select(func.count()).select_from(SecretParticipation)) == 0


async def test_vote_reminders_go_to_those_who_have_not_voted(session: AsyncSession) -> None:
    from storage.reminders import Reminder

    table, people = await seat(session, 3)
    ballot = await open_ballot(
        session,
        table_id=table.id,
        kind=BallotKind.PROPOSAL,
        title="Esitys",
        now=NOW,
        closes_at=NOW + timedelta(days=3),
        created_by=None,
    )
    reminders = list(await session.scalars(select(Reminder)))
    assert [(r.target_type, r.target_id, r.kind.value) for r in reminders] == [
        ("vote", ballot.id, "vote")
    ]
    await cast_open_vote(session, ballot, people[0].id, Choice.AGREE, NOW)
    assert await not_voted(session, ballot.id) == {people[1].id, people[2].id}
    await close_ballot(session, ballot.id, NOW + timedelta(days=3), SETTINGS)
    assert list(await session.scalars(select(Reminder))) == []
    assert await not_voted(session, ballot.id) == set()
