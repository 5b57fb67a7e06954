"""Two hundred members vote in a secret election at the same moment: one choice each."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from scheduler.votes import close_ballot
from storage.db import create_engine, create_sessionmaker
from storage.sealing import BallotKey
from storage.vote_rules import EMPTY_BALLOT
from storage.votes import (
    Ballot,
    BallotKind,
    Cast,
    SecretChoice,
    SecretParticipation,
    cast_secret_vote,
    open_ballot,
)
from tests.unit.test_votes import NOW, SETTINGS, seat

VOTERS = 200


async def test_two_hundred_simultaneous_secret_votes_leave_one_choice_each(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine, BallotKey.generate())
    try:
        async with sessions() as session, session.begin():
            table, people = await seat(session, VOTERS)
            options = [str(people[0].id), str(people[1].id), EMPTY_BALLOT]
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
            ballot_id, voter_ids = ballot.id, [p.id for p in people]

        async def vote(number: int, person_id: int) -> Cast:
            async with sessions() as session, session.begin():
                own = await session.get(Ballot, ballot_id)
                assert own is not None
                return await cast_secret_vote(
                    session, own, person_id, options[number % len(options)], NOW
                )

        # Everyone at once, and the first ten press twice: still one ballot each.
        presses = [*enumerate(voter_ids), *enumerate(voter_ids[:10])]
        casts = await asyncio.gather(*(vote(n, p) for n, p in presses))
        async with sessions() as session:
            participations = await session.scalar(
                select(func.count()).select_from(SecretParticipation)
            )
            choices = await session.scalar(select(func.count()).select_from(SecretChoice))
        print(f"\n{VOTERS} voters: {participations} participations, {choices} choices")
        assert casts.count(Cast.RECORDED) == VOTERS
        assert casts.count(Cast.ALREADY_VOTED) == 10
        assert participations == choices == VOTERS
        async with sessions() as session, session.begin():
            closed = await close_ballot(session, ballot_id, NOW + timedelta(days=1), SETTINGS)
        assert closed is not None and closed.result is not None
        counts = closed.result["counts"]
        print(f"counted at close: {counts}")
        assert counts == {
            o: sum(n % len(options) == i for n in range(VOTERS)) for i, o in enumerate(options)
        }
    finally:
        await engine.dispose()
