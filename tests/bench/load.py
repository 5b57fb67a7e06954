"""Scenarios against a bot process: vote presses at stepped rates, reminders due together,
start-up time and memory. The emulator runs in this process (Telegram's limits on); the bot
(poytabot, or the bare echo bot as the floor) runs in its own."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from emulator import EmulatorServer, actions
from emulator.state import BotAccount, Chat, Person
from storage.db import create_engine, create_sessionmaker
from storage.people import Membership, Table
from storage.people import Person as PersonRow
from storage.reminder_rules import ReminderKind
from storage.reminders import Audience, Reminder, ReminderStatus
from storage.roles import Role
from storage.tables_config import read_tables_file, sync_tables
from storage.votes import Ballot, BallotKind
from tests.bench.processes import Process, environment, running
from views.votes import VoteCast

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
POYTABOT = "bot.cli"
ECHO = "tests.bench.echo_bot"
# A step is sustained when every press is answered and p99 stays under this.
SUSTAINED_P99 = 1.0
PRESS_TIMEOUT = 10.0


@dataclass
class Voter:
    person: Person
    chat: Chat
    message_id: int


@dataclass
class Emulated:
    server: EmulatorServer
    bot: BotAccount
    voters: list[Voter]
    received: dict[int, float] = field(default_factory=dict)  # chat id -> first bot message

    @classmethod
    async def start(cls, voters: int) -> Emulated:
        server = await EmulatorServer.start()
        server.add_bot(TOKEN, "poytabot", "Bench")
        world = server.state
        bot = world.default_bot()
        people = []
        for number in range(voters):
            person = world.add_user(f"Jäsen {number}", language_code="fi")
            chat = world.private_chat(bot, person)
            stored = world.store_message(chat, bot, {"text": "Äänestys on auki."})
            people.append(Voter(person, chat, stored.message_id))
        emulated = cls(server, bot, people)
        original = world.store_message

        def store_message(chat: Chat, sender: Any, content: dict[str, Any], **kw: Any) -> Any:
            if sender.id == bot.id and chat.type == "private":
                emulated.received.setdefault(chat.id, time.monotonic())
            return original(chat, sender, content, **kw)

        world.store_message = store_message  # type: ignore[method-assign]
        server.rate_limits.enabled = True
        return emulated

    async def stop(self) -> None:
        await self.server.stop()


async def seed(url: str, telegram_ids: list[int], members: int) -> int:
    """`members` people seated at one table (the voters first); one open ballot. Its id."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    now = datetime.now(UTC)
    try:
        async with sessionmaker() as session, session.begin():
            await sync_tables(session, read_tables_file(None))
            table = await session.scalar(select(Table).order_by(Table.id))
            assert table is not None
            ids = telegram_ids + [None] * max(0, members - len(telegram_ids))
            people = [
                {
                    "telegram_id": telegram_id,
                    "first_name": f"Jäsen {number}",
                    "telegram_language": "fi",
                    "private_chat_open": telegram_id is not None,
                    "created_at": now,
                }
                for number, telegram_id in enumerate(ids)
            ]
            for start in range(0, len(people), 1000):
                await session.execute(insert(PersonRow), people[start : start + 1000])
            person_ids = list(await session.scalars(select(PersonRow.id).order_by(PersonRow.id)))
            seats = [
                {
                    "person_id": person_id,
                    "table_id": table.id,
                    "role": Role.MEMBER,
                    "starts_on": (now - timedelta(days=30)).date(),
                }
                for person_id in person_ids
            ]
            for start in range(0, len(seats), 1000):
                await session.execute(insert(Membership), seats[start : start + 1000])
            ballot = Ballot(
                table_id=table.id,
                kind=BallotKind.PROPOSAL,
                title="Penkki puistoon",
                secret=False,
                options=[],
                opened_at=now,
                closes_at=now + timedelta(days=7),
            )
            session.add(ballot)
            await session.flush()
            return ballot.id
    finally:
        await engine.dispose()


async def seed_reminders(url: str, count: int, due: datetime) -> None:
    """`count` reminders, each to one of the first `count` people, all due at `due`."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session, session.begin():
            person_ids = list(
                await session.scalars(
                    select(PersonRow.id)
                    .where(PersonRow.telegram_id.is_not(None))
                    .order_by(PersonRow.id)
                    .limit(count)
                )
            )
            rows = [
                {
                    "kind": ReminderKind.MEETING,
                    "target_type": "bench",
                    "target_id": number,
                    "table_id": None,
                    "audience": int(Audience.NAMED),
                    "person_ids": [person_id],
                    "title": "Kokous",
                    # Later today: a same-day meeting is sent even in quiet hours.
                    "anchor_at": due + timedelta(minutes=30),
                    "offset_minutes": 30,
                    "due_at": due,
                    "status": ReminderStatus.PENDING,
                    "created_at": datetime.now(UTC),
                }
                for number, person_id in enumerate(person_ids)
            ]
            await session.execute(insert(Reminder), rows)
    finally:
        await engine.dispose()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Step:
    rate: int
    presses: int
    answered: int
    p50_ms: float
    p99_ms: float
    cpu_ms_per_press: float
    sustained: bool


async def press_at(emulated: Emulated, ballot_id: int, rate: int, seconds: float) -> list[float]:
    """Presses at `rate` per second, spread over the voters; the answer times (s), NaN if none."""
    world = emulated.server.state
    count = max(1, int(rate * seconds))
    options = ["agree", "disagree"]
    latencies: list[float] = []

    async def one(number: int) -> None:
        voter = emulated.voters[number % len(emulated.voters)]
        # Each voter alternates, so every press changes a vote (a write, not a no-op).
        option = options[(number // len(emulated.voters)) % 2]
        data = VoteCast(ballot_id=ballot_id, option=option).pack()
        started = time.monotonic()
        answer = await actions.press(
            world, voter.person, voter.chat, voter.message_id, data, timeout=PRESS_TIMEOUT
        )
        latencies.append(time.monotonic() - started if answer else float("nan"))

    loop = asyncio.get_running_loop()
    begin = loop.time()
    tasks = []
    for number in range(count):
        delay = begin + number / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(number)))
    await asyncio.gather(*tasks)
    return latencies


async def steps(
    emulated: Emulated,
    process: Process,
    ballot_id: int,
    rates: list[int],
    seconds: float,
    profile: tuple[int, Path] | None = None,
) -> list[Step]:
    """Rate after rate until one is not sustained (all answered, p99 under a second).

    `profile`: at that rate, py-spy samples the bot and writes collapsed stacks to that file.
    """
    done: list[Step] = []
    for rate in rates:
        spy = None
        if profile is not None and profile[0] == rate:
            spy = await py_spy(process.pid, seconds, profile[1])
        cpu = process.cpu_seconds()
        latencies = await press_at(emulated, ballot_id, rate, seconds)
        cpu = process.cpu_seconds() - cpu
        if spy is not None:
            await spy.wait()
        answered = [v for v in latencies if v == v]
        p99 = percentile(answered, 0.99)
        sustained = len(answered) == len(latencies) and p99 < SUSTAINED_P99
        done.append(
            Step(
                rate=rate,
                presses=len(latencies),
                answered=len(answered),
                p50_ms=round(percentile(answered, 0.5) * 1000, 1),
                p99_ms=round(p99 * 1000, 1),
                cpu_ms_per_press=round(cpu * 1000 / len(latencies), 2),
                sustained=sustained,
            )
        )
        if not sustained:
            break
        await asyncio.sleep(1.0)  # let the last answers and the CPU settle
    return done


async def py_spy(pid: int, seconds: float, out: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "250",
        "--format",
        "raw",
        "--output",
        str(out),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


# Where a press's time goes: a sample counts for each part its stack passes through.
PROFILE_PARTS = {
    "sqlalchemy (all)": ("sqlalchemy/",),
    "sqlalchemy orm": ("sqlalchemy/orm/",),
    "pydantic generic rebuild": ("pydantic/_internal/_generics.py", "__class_getitem__ (pydantic"),
    "aiogram filter checks": ("check (aiogram/dispatcher/event/handler.py",),
    "aiogram answer validation": ("check_response (aiogram",),
    "poytabot middlewares": ("(bot/middlewares.py",),
    "PersonMiddleware": ("__call__ (bot/middlewares.py:1", "_remember (bot/middlewares.py"),
    "vote handler": ("vote_pressed (handlers/votes/casting.py",),
    "aiogram polling and webhook": ("_listen_updates (aiogram", "_handle_request (aiogram"),
}


def profile_shares(path: Path) -> dict[str, float]:
    """Share of the event loop thread's samples (%) in each part of PROFILE_PARTS.

    aiosqlite's worker threads are left out: py-spy counts their waiting for work as busy.
    """
    totals = dict.fromkeys(PROFILE_PARTS, 0)
    samples = 0
    for line in path.read_text().splitlines() if path.exists() else []:
        stack, _, count = line.rpartition(" ")
        if "_connection_worker_thread" in stack:
            continue
        samples += int(count)
        for part, needles in PROFILE_PARTS.items():
            if any(needle in stack for needle in needles):
                totals[part] += int(count)
    return {k: round(100 * v / samples, 1) if samples else 0.0 for k, v in totals.items()}


async def wait_until_answering(emulated: Emulated, started: float, limit: float = 300) -> float:
    """Seconds from the process's start until it answered its first press."""
    voter = emulated.voters[0]
    world = emulated.server.state
    answered = asyncio.Event()
    first: list[float] = []

    async def ping() -> None:
        if await actions.press(
            world, voter.person, voter.chat, voter.message_id, "ping", timeout=limit
        ):
            first.append(time.monotonic())
            answered.set()

    pings = []
    while not answered.is_set() and time.monotonic() - started < limit:
        pings.append(asyncio.create_task(ping()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(answered.wait(), 0.25)
    for task in pings:
        task.cancel()
    await asyncio.gather(*pings, return_exceptions=True)
    if not first:
        raise RuntimeError("the bot never answered")
    return min(first) - started


@dataclass
class Run:
    bot: str  # "poytabot" or "echo"
    database: str
    mode: str
    startup_s: float
    rss_idle_mb: float
    rss_after_mb: float
    steps: list[Step]
    sustainable_rate: int
    cpu_ms_per_press: float  # at the reference rate
    profile: dict[str, float] | None = None  # % of main-thread samples, at the reference rate


async def vote_run(
    *,
    bot: str,
    database: str,
    url: str,
    mode: str,
    folder: Path,
    voters: int,
    members: int,
    rates: list[int],
    seconds: float,
    reference_rate: int,
    profile: Path | None = None,
) -> Run:
    emulated = await Emulated.start(voters)
    try:
        ballot_id = 1  # the echo bot reads no database
        if bot == "poytabot":
            ballot_id = await seed(url, [v.person.id for v in emulated.voters], members)
        env = environment(emulated.server.base_url, url, mode, bot_token=TOKEN)
        module = POYTABOT if bot == "poytabot" else ECHO
        args = ("run",) if bot == "poytabot" else ()
        started = time.monotonic()
        async with running(module, env, folder, *args) as process:
            startup = await wait_until_answering(emulated, started)
            await press_at(emulated, ballot_id, 10, 2.0)  # warm-up: first-use costs, not counted
            await asyncio.sleep(3.0)  # idle: the ticks run, nothing else
            rss_idle = process.rss_mb()
            spy = (reference_rate, profile) if profile is not None else None
            done = await steps(emulated, process, ballot_id, rates, seconds, spy)
            rss_after = process.rss_mb()
    finally:
        await emulated.stop()
    sustained = [s.rate for s in done if s.sustained]
    reference = next((s for s in done if s.rate == reference_rate), done[0])
    return Run(
        bot=bot,
        database=database,
        mode=mode,
        startup_s=round(startup, 2),
        rss_idle_mb=round(rss_idle, 1),
        rss_after_mb=round(rss_after, 1),
        steps=done,
        sustainable_rate=max(sustained, default=0),
        cpu_ms_per_press=reference.cpu_ms_per_press,
        profile=profile_shares(profile) if profile is not None else None,
    )


@dataclass
class Reminders:
    database: str
    count: int
    pace_s: float  # count / 30: Telegram's own pace for that many messages
    delay_p50_s: float
    delay_p99_s: float
    beyond_pace_p99_s: float  # p99 of (delay - rank / 30): what the bot added to the pace
    lost: int


async def reminders_run(*, database: str, url: str, folder: Path, count: int) -> Reminders:
    emulated = await Emulated.start(count)
    try:
        await seed(url, [v.person.id for v in emulated.voters], count)
        env = environment(emulated.server.base_url, url, "polling", bot_token=TOKEN)
        started = time.monotonic()
        async with running(POYTABOT, env, folder, "run"):
            await wait_until_answering(emulated, started)
            emulated.received.clear()
            # Due a little ahead: the bot has started and is idle when they fall due.
            due_in = 5.0
            await seed_reminders(url, count, datetime.now(UTC) + timedelta(seconds=due_in))
            due = time.monotonic() + due_in
            pace = count / 30
            deadline = due + pace * 3 + 120
            # Look seldom: the looking should not slow the sending down.
            while len(emulated.received) < count and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            await asyncio.sleep(1.0)
    finally:
        await emulated.stop()
    arrivals = sorted(emulated.received.values())
    delays = [t - due for t in arrivals]
    beyond = [d - rank / 30 for rank, d in enumerate(delays)]
    return Reminders(
        database=database,
        count=count,
        pace_s=round(count / 30, 2),
        delay_p50_s=round(percentile(delays, 0.5), 2),
        delay_p99_s=round(percentile(delays, 0.99), 2),
        beyond_pace_p99_s=round(percentile(beyond, 0.99), 2),
        lost=count - len(arrivals),
    )


def spread(values: list[float]) -> dict[str, float]:
    """Median and the range around it, for figures repeated in one run."""
    clean = [v for v in values if v == v]
    if not clean:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan")}
    return {
        "median": round(statistics.median(clean), 3),
        "min": round(min(clean), 3),
        "max": round(max(clean), 3),
    }
