"""The attacks of issue 13 on a secret election, run against the real storage.

- WAL replay (SQLite): a copy of the database file and its `-wal` taken while the bot runs,
  replayed commit by commit; each vote's commit is diffed against the one before.
- Consecutive snapshots (PostgreSQL): every table, with each row's `ctid` and `xmin`, after
  every vote: the same diff.
- Backup copy: a copy taken mid-election gives no running tally; one taken after the close
  holds no sealed choice or voter mark at all (SQLite: not even in freed pages).

The attacker knows everything but the ballot key: the people, the options, even who voted in
which commit. Linking means naming a voter's option from what the copies show.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
from collections.abc import Iterable
from contextlib import closing
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.votes import close_ballot
from storage.db import create_engine, create_sessionmaker
from storage.sealing import SEALED_BYTES, BallotKey
from storage.vote_rules import EMPTY_BALLOT
from storage.votes import Ballot, BallotKind, Cast, cast_secret_vote, open_ballot
from tests.unit.test_votes import NOW, SETTINGS, seat

VOTERS = 12
Rows = dict[str, set[tuple[Any, ...]]]


async def _election(
    sessions: async_sessionmaker[AsyncSession],
) -> tuple[int, list[int], list[str]]:
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
        return ballot.id, [p.id for p in people], options


def _plan(options: list[str]) -> list[str]:
    """Uneven on purpose, so a growing count would show."""
    a, b, empty = options
    return [a, a, b, a, empty, b, a, b, b, a, empty, a]


async def _vote(
    sessions: async_sessionmaker[AsyncSession], ballot_id: int, person_id: int, option: str
) -> None:
    async with sessions() as session, session.begin():
        ballot = await session.get(Ballot, ballot_id)
        assert ballot is not None
        assert await cast_secret_vote(session, ballot, person_id, option, NOW) is Cast.RECORDED


def changes(before: Rows, after: Rows) -> Rows:
    """Rows added or changed by one commit, per table."""
    return {
        name: rows - before.get(name, set())
        for name, rows in after.items()
        if rows - before.get(name, set())
    }


def _texts(rows: Iterable[tuple[Any, ...]]) -> list[str]:
    """Every text an attacker could read (bytes decoded leniently too)."""
    found: list[str] = []
    for row in rows:
        for value in row:
            if isinstance(value, bytes):
                found.append(value.decode("latin-1"))
            elif isinstance(value, str):
                found.append(value)
    return found


def link_voters(diffs: list[Rows], voters: list[int], options: list[str]) -> dict[int, str]:
    """The issue's attack: in each vote's commit, look for the option (and the voter) among
    the values that appeared. Returns the voters the attacker could name an option for."""
    linked: dict[int, str] = {}
    for voter, diff in zip(voters, diffs, strict=True):
        values = _texts(row for rows in diff.values() for row in rows)
        shown = {o for o in options if any(o == v or f'"{o}"' in v for v in values)}
        if len(shown) == 1:
            linked[voter] = shown.pop()
    return linked


def commit_shape(diff: Rows) -> list[tuple[str, tuple[tuple[str, int], ...]]]:
    """What a diff looks like without its random contents: tables, types, lengths."""
    return sorted(
        (name, tuple((type(v).__name__, len(bytes(v)) if isinstance(v, bytes) else 0) for v in r))
        for name, rows in diff.items()
        for r in rows
    )


SECRET_TABLES = {"secret_choices", "secret_participation"}


def judge(
    diffs: list[Rows],
    voters: list[int],
    plan: list[str],
    options: list[str],
    where: str,
    tables: set[str] = SECRET_TABLES,
) -> None:
    """The attack on each vote's commit links nobody, and every such commit looks alike."""
    linked = link_voters(diffs, voters, options)
    right = sum(linked[v] == o for v, o in zip(voters, plan, strict=True) if v in linked)
    print(
        f"\n{where}: {len(diffs)} vote commits replayed; linked {right} of {len(voters)} voters "
        f"(a blind guess gets {len(voters) / len(options):.0f})"
    )
    assert linked == {}
    # Every vote's commit looks the same whatever was chosen: the same tables, one row each,
    # the same types and sizes. So nothing in it can tell one choice from another.
    shapes = {tuple(commit_shape(d)) for d in diffs}
    assert len(shapes) == 1, shapes
    assert [name for name, _ in next(iter(shapes))] == sorted(tables)


# SQLite: the WAL, replayed commit by commit.


def _commit_ends(wal: bytes) -> list[int]:
    """Byte offsets in a WAL file just after each commit frame."""
    (page_size,) = struct.unpack(">I", wal[8:12])
    frame = 24 + page_size
    ends = []
    for offset in range(32, len(wal) - frame + 1, frame):
        (db_size_after_commit,) = struct.unpack(">I", wal[offset + 4 : offset + 8])
        if db_size_after_commit:
            ends.append(offset + frame)
    return ends


def read_everything(path: Path) -> Rows:
    with closing(sqlite3.connect(path)) as db:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: set(db.execute(f'SELECT * FROM "{n}"')) for n in names}


def replay_wal(db_copy: bytes, wal_copy: bytes, work: Path) -> list[Rows]:
    states = []
    for number, end in enumerate(_commit_ends(wal_copy)):
        path = work / f"replay{number}.sqlite3"
        path.write_bytes(db_copy)
        Path(f"{path}-wal").write_bytes(wal_copy[:end])
        states.append(read_everything(path))
    return states


async def _sqlite_attacks(database_url: str, tmp_path: Path) -> None:
    path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine, BallotKey.generate())
    try:
        ballot_id, people, options = await _election(sessions)
        checkpoint(path)  # the WAL starts at the election, so each later commit is a vote
        plan = _plan(options)
        for person_id, option in zip(people, plan, strict=True):
            await _vote(sessions, ballot_id, person_id, option)
        # The copy, taken while the bot still runs (its connections open, nothing checkpointed).
        db_copy, wal_copy = copy_files(path)

        states = replay_wal(db_copy, wal_copy, tmp_path)
        assert len(states) == VOTERS
        diffs = [changes(a, b) for a, b in pairwise([state_before(db_copy, tmp_path), *states])]
        judge(diffs, people, plan, options, "SQLite WAL replay")

        last = states[-1]
        # No order in the rows: they sit in the order of their random keys, not of voting.
        with closing(sqlite3.connect(tmp_path / f"replay{VOTERS - 1}.sqlite3")) as db:
            marks = [m for (m,) in db.execute("SELECT voter FROM secret_participation")]
            tokens = [t for (t,) in db.execute("SELECT token FROM secret_choices")]
        assert marks == sorted(marks) and tokens == sorted(tokens)
        no_running_tally(last, options)
        sealed = {row[2] for row in last["secret_choices"]}

        await _close(sessions, ballot_id, options, plan)
        checkpoint(path)
        backup = b"".join(copy_files(path))
        left = sum(blob in backup for blob in sealed | set(marks))
        print(f"backup after the close: {left} of {len(sealed | set(marks))} sealed rows left")
        assert left == 0
    finally:
        await engine.dispose()


def copy_files(path: Path) -> tuple[bytes, bytes]:
    """What a backup script or a curious admin copies: the database file and its WAL."""
    return path.read_bytes(), Path(f"{path}-wal").read_bytes()


def checkpoint(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def state_before(db_copy: bytes, work: Path) -> Rows:
    """The database file alone: the state at the last checkpoint, before any replayed commit."""
    path = work / "before.sqlite3"
    path.write_bytes(db_copy)
    return read_everything(path)


# PostgreSQL: every table, with row positions and transaction ids, after every commit.


async def snapshot_with_positions(session: AsyncSession) -> Rows:
    names = await session.run_sync(lambda s: inspect(s.connection()).get_table_names())
    state: Rows = {}
    for name in names:
        # Row positions and transaction ids, marked so they never pass for an option.
        query = f"SELECT 'ctid ' || ctid::text, 'xmin ' || xmin::text, * FROM \"{name}\""
        rows = await session.execute(text(query))
        state[name] = {
            tuple(json.dumps(v) if isinstance(v, dict | list) else v for v in r) for r in rows
        }
    return state


async def _postgres_attacks(database_url: str) -> None:
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine, BallotKey.generate())
    try:
        ballot_id, people, options = await _election(sessions)
        plan = _plan(options)
        async with sessions() as session:
            states = [await snapshot_with_positions(session)]
        for person_id, option in zip(people, plan, strict=True):
            await _vote(sessions, ballot_id, person_id, option)
            async with sessions() as session:
                states.append(await snapshot_with_positions(session))
        diffs = [changes(a, b) for a, b in pairwise(states)]
        judge(diffs, people, plan, options, "PostgreSQL snapshots")
        no_running_tally(states[-1], options)
        await _close(sessions, ballot_id, options, plan)
        async with sessions() as session:
            left = await snapshot_with_positions(session)
        assert left["secret_choices"] == left["secret_participation"] == set()
    finally:
        await engine.dispose()


def no_running_tally(state: Rows, options: list[str], voters: int = VOTERS) -> None:
    """A copy mid-election: every sealed choice is different and the same size, and no option
    can be read from the secret tables; counting them gives only the turnout."""
    sealed = [next(v for v in row if isinstance(v, bytes)) for row in state["secret_choices"]]
    assert len(sealed) == len(set(sealed)) == voters
    assert {len(s) for s in sealed} == {SEALED_BYTES}
    values = _texts(state["secret_choices"] | state["secret_participation"])
    assert not [o for o in options if any(o == v for v in values)]


async def _close(
    sessions: async_sessionmaker[AsyncSession], ballot_id: int, options: list[str], plan: list[str]
) -> None:
    async with sessions() as session, session.begin():
        closed = await close_ballot(session, ballot_id, NOW + timedelta(days=1), SETTINGS)
        assert closed is not None and closed.result is not None
        assert closed.result["counts"] == {o: plan.count(o) for o in options}
        assert closed.result["voted"] == VOTERS


async def test_copies_of_the_database_link_no_voter_to_a_choice(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        await _sqlite_attacks(database_url, tmp_path)
    else:
        await _postgres_attacks(database_url)


def test_the_wal_reader_finds_every_commit(tmp_path: Path) -> None:
    """The replay and the attacker work: on plain rows they recover every commit, in order,
    and link every voter (as they did on the old secret tables: 12 of 12)."""
    path = tmp_path / "plain.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA wal_autocheckpoint=0")
        db.execute("CREATE TABLE vote (person INTEGER, choice TEXT)")
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for person in range(5):
            db.execute("INSERT INTO vote VALUES (?, ?)", (person, f"option {person % 2}"))
            db.commit()
        shutil.copy(path, tmp_path / "copy.sqlite3")
        wal = Path(f"{path}-wal").read_bytes()
    states = replay_wal((tmp_path / "copy.sqlite3").read_bytes(), wal, tmp_path)
    assert [sorted(s["vote"]) for s in states] == [
        [(p, f"option {p % 2}") for p in range(n + 1)] for n in range(5)
    ]
    diffs = [changes(a, b) for a, b in pairwise([{}, *states])]
    linked = link_voters(diffs, list(range(5)), ["option 0", "option 1"])
    assert linked == {p: f"option {p % 2}" for p in range(5)}
