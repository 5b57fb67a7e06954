"""Figures, not pass/fail: poytabot against the bare framework, on the emulator with Telegram's
limits on. See BENCHMARKS.md for the figures and how to read them.

    python -m tests.bench [--quick] [--postgres URL] [--reps 3] [--profile]

Scenarios, each on SQLite and (with --postgres, default POYTABOT_TEST_POSTGRES_URL) PostgreSQL:

- Vote presses at stepped rates, poytabot and a bare aiogram echo bot (tests/bench/echo_bot.py)
  each as a real process, polling and webhook: the highest rate sustained (all answered, p99
  under 1 s), p50/p99 per step, CPU ms per press at the reference rate, start-up time, RSS idle
  and after the load with 10,000 members; as ratios to the echo bot of the same repetition.
- Reminders due together: delay p50/p99 from the due time, and beyond Telegram's pace (N / 30 s).
- Broadcast through the outbox sender: time ÷ N/30 s, 429s, lost, doubled.

Repetitions give median and range. --profile samples poytabot with py-spy at the reference
rate (collapsed stacks in bench-results/, shares per part in the JSON and the table).
Prints a table and writes bench-results/<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_bot
from core.clock import Clock
from core.settings import Settings
from emulator import EmulatorServer
from scheduler.limits import GLOBAL, Limiter
from scheduler.outbox import OutboxSender, run_forever
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.outbox import FINAL, Delivery, OutboxMessage, enqueue
from tests.bench.load import Run, reminders_run, spread, vote_run

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
RESULTS = Path(__file__).resolve().parents[2] / "bench-results"
GIVE_UP_AFTER = 600.0
STAMP = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


@dataclass
class Broadcast:
    database: str
    messages: int
    ceiling_per_second: float
    seconds: float
    ideal_seconds: float
    ratio_to_ideal: float  # seconds / ideal_seconds; 1.00 is Telegram's ceiling
    per_second: float
    too_many_requests: int  # 429 answers the emulator gave
    lost: int  # members who got nothing
    doubled: int  # members who got it more than once
    not_sent: int  # outbox rows that ended in another state than SENT


@dataclass
class Pace:
    sends: int
    per_second: float
    aim_per_second: float
    ratio_to_aim: float


@contextlib.asynccontextmanager
async def database(kind: str, postgres: str | None) -> AsyncIterator[str]:
    """An empty, migrated database for one run, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            await asyncio.to_thread(upgrade, url)
            yield url
        return
    import asyncpg

    assert postgres
    dsn = postgres.replace("postgresql+asyncpg", "postgresql")
    name = f"poytabot_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        url = postgres.rsplit("/", 1)[0] + "/" + name
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def broadcast(kind: str, url: str, messages: int) -> Broadcast:
    server = await EmulatorServer.start()
    server.add_bot(TOKEN, "poytabot", "Bench")
    world = server.state
    bot_account = world.default_bot()
    chats = []
    for number in range(messages):
        account = world.add_user(f"Jäsen {number}")
        world.private_chat(bot_account, account)
        chats.append(account.id)
    server.rate_limits.enabled = True
    values: dict[str, object] = {
        "bot_token": TOKEN,
        "api_base_url": server.base_url,
        "database_url": url,
        "_env_file": None,
    }
    settings = Settings(**values)  # type: ignore[arg-type]
    bot = create_bot(settings)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    clock = Clock()
    try:
        async with sessionmaker() as session, session.begin():
            await enqueue(session, batch="bench", chat_ids=chats, now=clock.now(), text="Tiedote")
        sender = OutboxSender.from_settings(bot, sessionmaker, clock, settings)
        stop = asyncio.Event()
        started = clock.now()
        running = asyncio.create_task(run_forever(sender, 0.5, stop))
        deadline = time.monotonic() + GIVE_UP_AFTER
        # Look seldom: the looking should not slow the sending down.
        while await _open_rows(sessionmaker) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        stop.set()
        await running
        async with sessionmaker() as session:
            last = await session.scalar(select(func.max(OutboxMessage.sent_at)))
            not_sent = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != Delivery.SENT)
            )
    finally:
        await bot.session.close()
        await engine.dispose()
        await server.stop()
    seconds = ((last or clock.now()) - started).total_seconds()
    ideal = messages / settings.outbox_rate
    return Broadcast(
        database=kind,
        messages=messages,
        ceiling_per_second=settings.outbox_rate,
        seconds=round(seconds, 2),
        ideal_seconds=round(ideal, 2),
        ratio_to_ideal=round(seconds / ideal, 3),
        per_second=round(messages / seconds, 2),
        too_many_requests=world.too_many_given,
        lost=sum(1 for chat in chats if world.sent_per_chat[chat] == 0),
        doubled=sum(1 for chat in chats if world.sent_per_chat[chat] > 1),
        not_sent=int(not_sent or 0),
    )


async def _open_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.not_in(list(FINAL)))
        )
    return left or 0


async def pace(sends: int = 150) -> Pace:
    limiter = Limiter()
    loop = asyncio.get_running_loop()
    times = []
    for _ in range(sends):
        await limiter.slot(None)
        times.append(loop.time())
    rate = (len(times) - 1) / (times[-1] - times[0])
    return Pace(sends, round(rate, 2), round(GLOBAL.rate, 2), round(rate / GLOBAL.rate, 3))


@dataclass
class Plan:
    reps: int
    modes: list[str]
    rates: list[int]
    seconds: float
    reference_rate: int
    voters: int
    members: int
    reminders: int
    broadcasts: list[int]
    profile: bool


QUICK = Plan(
    reps=1,
    modes=["polling"],
    rates=[25, 50, 100, 200],
    seconds=3.0,
    reference_rate=25,
    voters=400,
    members=10_000,
    reminders=300,
    broadcasts=[300],
    profile=False,
)
FULL = Plan(
    reps=3,
    modes=["polling", "webhook"],
    rates=[25, 50, 100, 150, 200, 300, 400],
    seconds=6.0,
    reference_rate=25,
    voters=400,
    members=10_000,
    reminders=1000,
    broadcasts=[1000, 10_000],
    profile=False,
)


def log(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


async def votes(plan: Plan, kinds: list[str], postgres: str | None, folder: Path) -> list[Run]:
    runs: list[Run] = []
    for rep in range(plan.reps):
        for kind in kinds:
            for mode in plan.modes:
                for bot in ("echo", "poytabot"):
                    profile = None
                    if plan.profile and bot == "poytabot" and rep == 0:
                        profile = RESULTS / f"profile-{kind}-{mode}-{STAMP}.txt"
                    async with database(kind, postgres) as url:
                        log(f"votes: rep {rep + 1}, {kind}, {mode}, {bot}")
                        run = await vote_run(
                            bot=bot,
                            database=kind,
                            url=url,
                            mode=mode,
                            folder=folder,
                            voters=plan.voters,
                            members=plan.members,
                            rates=plan.rates,
                            seconds=plan.seconds,
                            reference_rate=plan.reference_rate,
                            profile=profile,
                        )
                    log(
                        f"  sustained {run.sustainable_rate}/s, "
                        f"{run.cpu_ms_per_press} ms CPU per press, "
                        f"RSS {run.rss_idle_mb}/{run.rss_after_mb} MB, start {run.startup_s} s"
                    )
                    runs.append(run)
    return runs


def vote_summary(runs: list[Run], reference_rate: int) -> list[dict[str, Any]]:
    """Per database and mode: poytabot's figures and their ratios to the echo bot, per rep."""
    summary = []
    for kind in dict.fromkeys(r.database for r in runs):
        for mode in dict.fromkeys(r.mode for r in runs):
            echo = [r for r in runs if (r.bot, r.database, r.mode) == ("echo", kind, mode)]
            ours = [r for r in runs if (r.bot, r.database, r.mode) == ("poytabot", kind, mode)]
            if not echo or not ours:
                continue

            def ratio(field: str, echo: list[Run] = echo, ours: list[Run] = ours) -> Any:
                return spread(
                    [
                        getattr(o, field) / getattr(e, field)
                        if getattr(e, field)
                        else float("nan")
                        for o, e in zip(ours, echo, strict=True)
                    ]
                )

            def p99_at(run: Run, rate: int) -> float:
                step = next((s for s in run.steps if s.rate == rate), None)
                return step.p99_ms if step and step.answered == step.presses else float("nan")

            summary.append(
                {
                    "database": kind,
                    "mode": mode,
                    "sustainable_rate": spread([r.sustainable_rate for r in ours]),
                    "echo_sustainable_rate": spread([r.sustainable_rate for r in echo]),
                    "sustainable_ratio": ratio("sustainable_rate"),
                    "cpu_ms_per_press": spread([r.cpu_ms_per_press for r in ours]),
                    "echo_cpu_ms_per_press": spread([r.cpu_ms_per_press for r in echo]),
                    "cpu_ratio": ratio("cpu_ms_per_press"),
                    "p50_ms_at_reference": spread(
                        [
                            next(
                                (s.p50_ms for s in r.steps if s.rate == reference_rate),
                                float("nan"),
                            )
                            for r in ours
                        ]
                    ),
                    "p99_ms_at_100": spread([p99_at(r, 100) for r in ours]),
                    "echo_p99_ms_at_100": spread([p99_at(r, 100) for r in echo]),
                    "rss_idle_mb": spread([r.rss_idle_mb for r in ours]),
                    "echo_rss_idle_mb": spread([r.rss_idle_mb for r in echo]),
                    "rss_idle_ratio": ratio("rss_idle_mb"),
                    "rss_after_mb": spread([r.rss_after_mb for r in ours]),
                    "startup_s": spread([r.startup_s for r in ours]),
                    "echo_startup_s": spread([r.startup_s for r in echo]),
                }
            )
    return summary


async def run(plan: Plan, postgres: str | None) -> dict[str, Any]:
    kinds = ["sqlite", "postgres"] if postgres else ["sqlite"]
    RESULTS.mkdir(exist_ok=True)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "plan": asdict(plan),
    }
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        vote_runs = await votes(plan, kinds, postgres, folder)
        results["votes"] = vote_summary(vote_runs, plan.reference_rate)
        results["vote_runs"] = [asdict(r) for r in vote_runs]
        reminder_runs = []
        for _rep in range(plan.reps):
            for kind in kinds:
                async with database(kind, postgres) as url:
                    log(f"reminders: {plan.reminders} due together, {kind}")
                    reminder_runs.append(
                        await reminders_run(
                            database=kind, url=url, folder=folder, count=plan.reminders
                        )
                    )
                    log(f"  {reminder_runs[-1]}")
        results["reminders"] = [asdict(r) for r in reminder_runs]
    broadcasts = []
    for messages in plan.broadcasts:
        # The 10,000 broadcast takes over five minutes a database: once, not per repetition.
        reps = plan.reps if messages <= 1000 else 1
        for _rep in range(reps):
            for kind in kinds:
                async with database(kind, postgres) as url:
                    log(f"broadcast: {messages}, {kind}")
                    broadcasts.append(await broadcast(kind, url, messages))
                    log(f"  {broadcasts[-1]}")
    results["broadcast"] = [asdict(r) for r in broadcasts]
    results["limiter_pace"] = asdict(await pace())
    return results


def machine() -> str:
    return (
        f"{platform.node()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at the start"
    )


def versions() -> dict[str, str]:
    from importlib.metadata import version

    names = ["aiogram", "sqlalchemy", "pydantic", "aiosqlite", "asyncpg", "aiohttp"]
    found = {name: version(name) for name in names}
    found["python"] = platform.python_version()
    import sqlite3

    found["sqlite"] = sqlite3.sqlite_version
    return found


def _figure(value: dict[str, float], digits: int = 2) -> str:
    median, low, high = value["median"], value["min"], value["max"]
    if low == high:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def report(results: dict[str, Any]) -> str:
    lines = [f"{results['when']}, {results['machine']}", ""]
    lines.append("Vote presses, poytabot against the bare aiogram echo bot (median (range))")
    for v in results["votes"]:
        lines += [
            f"  {v['database']} / {v['mode']}:",
            f"    sustained rate/s   {_figure(v['sustainable_rate'], 0)} vs echo "
            f"{_figure(v['echo_sustainable_rate'], 0)}: ratio {_figure(v['sustainable_ratio'])}",
            f"    CPU ms per press   {_figure(v['cpu_ms_per_press'])} vs echo "
            f"{_figure(v['echo_cpu_ms_per_press'])}: ratio {_figure(v['cpu_ratio'])}",
            f"    p99 ms at 100/s    {_figure(v['p99_ms_at_100'], 0)} vs echo "
            f"{_figure(v['echo_p99_ms_at_100'], 0)}",
            f"    RSS idle MB        {_figure(v['rss_idle_mb'], 0)} vs echo "
            f"{_figure(v['echo_rss_idle_mb'], 0)}: ratio {_figure(v['rss_idle_ratio'])}; "
            f"after load {_figure(v['rss_after_mb'], 0)}",
            f"    start-up s         {_figure(v['startup_s'])} vs echo "
            f"{_figure(v['echo_startup_s'])}",
        ]
    for r in results["vote_runs"]:
        if r["profile"]:
            shares = ", ".join(f"{k} {v:g} %" for k, v in r["profile"].items())
            lines.append(f"  profile ({r['database']}, {r['mode']}): {shares}")
    lines.append("")
    lines.append("Reminders due together (delay from the due time; pace = N / 30 s)")
    for r in results["reminders"]:
        lines.append(
            f"  {r['database']:<9} N={r['count']:<5} pace {r['pace_s']:>6.1f} s  "
            f"p50 {r['delay_p50_s']:>6.2f} s  p99 {r['delay_p99_s']:>6.2f} s  "
            f"beyond pace p99 {r['beyond_pace_p99_s']:>5.2f} s  lost {r['lost']}"
        )
    lines.append("")
    lines.append(broadcast_report(results))
    return "\n".join(lines)


def broadcast_report(results: dict[str, Any]) -> str:
    runs = [Broadcast(**r) for r in results["broadcast"]]
    limiter = Pace(**results["limiter_pace"])
    lines = [
        "Broadcast through the outbox",
        f"{'database':<10}{'N':>6}{'seconds':>9}{'ideal':>8}{'÷ ideal':>9}{'msg/s':>8}"
        f"{'429s':>6}{'lost':>6}{'doubled':>9}{'not sent':>10}",
    ]
    for r in runs:
        lines.append(
            f"{r.database:<10}{r.messages:>6}{r.seconds:>9.2f}{r.ideal_seconds:>8.2f}"
            f"{r.ratio_to_ideal:>9.3f}{r.per_second:>8.2f}{r.too_many_requests:>6}"
            f"{r.lost:>6}{r.doubled:>9}{r.not_sent:>10}"
        )
    lines.append(
        f"Limiter alone: {limiter.sends} turns at {limiter.per_second}/s, "
        f"{limiter.ratio_to_aim:.3f} of its aim {limiter.aim_per_second}/s"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="one repetition, short steps")
    parser.add_argument("--reps", type=int, help="repetitions (3 by default, 1 with --quick)")
    parser.add_argument("--modes", help="comma-separated: polling,webhook")
    parser.add_argument("--broadcasts", help="comma-separated sizes, e.g. 1000,10000 (0: none)")
    parser.add_argument(
        "--profile", action="store_true", help="py-spy samples of poytabot at the reference rate"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("POYTABOT_TEST_POSTGRES_URL"),
        help="a PostgreSQL server URL where a scratch database may be created",
    )
    args = parser.parse_args()
    plan = replace(QUICK if args.quick else FULL, profile=args.profile)
    if args.reps:
        plan = replace(plan, reps=args.reps)
    if args.modes:
        plan = replace(plan, modes=args.modes.split(","))
    if args.broadcasts:
        plan = replace(plan, broadcasts=[int(n) for n in args.broadcasts.split(",") if int(n)])
    results = asyncio.run(run(plan, args.postgres))
    print(report(results))
    path = RESULTS / f"{STAMP}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {path.relative_to(RESULTS.parent)}")


if __name__ == "__main__":
    main()
