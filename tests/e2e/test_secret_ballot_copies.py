"""Issue 13's attack on a whole election through the running bot: copies of the database taken
while members press their buttons link nobody to a choice, and the close counts right."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from pathlib import Path

from sqlalchemy import select

from emulator.client import text_of
from storage.people import Person
from storage.roles import Role
from storage.vote_rules import EMPTY_BALLOT
from storage.votes import SecretChoice, SecretParticipation
from tests.e2e.conftest import Harness
from tests.e2e.test_statements import close_votes, fresh
from tests.e2e.test_votes import start_ballot
from tests.unit.test_secret_ballot_attacks import (
    Rows,
    changes,
    checkpoint,
    copy_files,
    judge,
    no_running_tally,
    replay_wal,
    snapshot_with_positions,
    state_before,
)

NAMES = ["Aino", "Bertta", "Cecilia", "Daniel", "Eino", "Fanni", "Greta", "Heikki", "Ilona"]
# Who each member votes for; uneven, so a growing count would show.
PLAN = ["Bertta", "Bertta", "Aino", "Bertta", "Tyhjä", "Aino", "Bertta", "Tyhjä", "Bertta"]


async def test_copies_taken_while_the_bot_runs_link_no_voter(
    harness: Harness, tmp_path: Path
) -> None:
    coordinator = await harness.person("Kaija", Role.COORDINATOR)
    voters = [await harness.person(name) for name in NAMES]
    await start_ballot(coordinator, "Puheenjohtajan vaali")
    await fresh(coordinator, "Kuinka kauan äänestys on auki?", 0)
    assert (await coordinator.press("3 päivää"))["text"] == "Äänestys alkoi."
    await harness.settle()
    for voter in voters:
        await fresh(voter, "Puheenjohtajan vaali", 0)
    async with harness.db() as session:
        names = {p.first_name: str(p.id) for p in await session.scalars(select(Person))}
    options = [names["Aino"], names["Bertta"], EMPTY_BALLOT]
    plan = [names.get(label, EMPTY_BALLOT) for label in PLAN]
    voter_ids = [int(names[name]) for name in NAMES]

    url = harness.app.settings.database_url
    sqlite = url.startswith("sqlite")
    path = Path(url.removeprefix("sqlite+aiosqlite:///"))
    if sqlite:
        checkpoint(path)  # the WAL starts here, as if the copy were taken later
    states: list[Rows] = []
    if not sqlite:
        async with harness.db() as session:
            states.append(await snapshot_with_positions(session))
    for voter, label in zip(voters, PLAN, strict=True):
        answer = await voter.press(label)
        assert answer["text"] == "Äänesi on tallennettu. Kukaan ei näe, ketä äänestit."
        await harness.idle()
        if not sqlite:
            async with harness.db() as session:
                states.append(await snapshot_with_positions(session))

    if sqlite:
        db_copy, wal_copy = copy_files(path)  # the bot is still running
        states = [state_before(db_copy, tmp_path), *replay_wal(db_copy, wal_copy, tmp_path)]
    diffs = [changes(a, b) for a, b in pairwise(states)]
    # The attacker keeps the commits that touched the secret tables: one per vote.
    votes = [d for d in diffs if {"secret_choices", "secret_participation"} & d.keys()]
    assert len(votes) == len(NAMES)
    # A vote's commit: the update's id, a voter mark, a sealed choice (and on PostgreSQL the
    # shared flood guard's mark). Nothing else changes; the senders in it are pseudonyms.
    tables = {"processed_updates", "secret_choices", "secret_participation"}
    if not sqlite:
        tables.add("flood_marks")
    judge(
        votes,
        voter_ids,
        plan,
        options,
        f"{'SQLite WAL replay' if sqlite else 'PostgreSQL snapshots'} through the bot",
        tables,
    )
    no_running_tally(states[-1], options, len(NAMES))

    harness.clock.advance(timedelta(days=3, minutes=1))
    await close_votes(harness)
    result = text_of(await fresh(voters[0], "Äänestys päättyi", 0))
    assert "Bertta: 5" in result and "Aino: 2" in result and "Tyhjä: 2" in result
    assert "Äänesti 9/9." in result
    async with harness.db() as session:
        assert list(await session.scalars(select(SecretChoice))) == []
        assert list(await session.scalars(select(SecretParticipation))) == []
    if sqlite:
        # A backup taken now, the bot still running: the bytes of the sealed rows are gone,
        # from the file (zeroed) and from the WAL (emptied after the close).
        sealed = {v for row in states[-1]["secret_choices"] for v in row if isinstance(v, bytes)}
        marks = {
            v for row in states[-1]["secret_participation"] for v in row if isinstance(v, bytes)
        }
        backup = b"".join(copy_files(path))
        left = sum(blob in backup for blob in sealed | marks)
        print(f"backup after the close: {left} of {len(sealed | marks)} sealed rows left")
        assert left == 0
