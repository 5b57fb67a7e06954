"""One bot process's reminder ticks, run as a separate OS process by the two-process test.

Usage: python -m tests.unit.reminder_worker DATABASE_URL NOW_ISO ROUNDS
Prints the summed TickResult as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict, fields
from datetime import datetime

from bot.i18n import create_i18n
from core.clock import FrozenClock
from scheduler.reminders import TickResult, tick
from storage.db import create_engine, create_sessionmaker


async def run(database_url: str, now: datetime, rounds: int) -> TickResult:
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    clock = FrozenClock(now)
    i18n = create_i18n("fi")
    total = TickResult()
    try:
        for _round in range(rounds):
            result = await tick(sessionmaker, clock, i18n)
            for field in fields(TickResult):
                setattr(
                    total, field.name, getattr(total, field.name) + getattr(result, field.name)
                )
    finally:
        await engine.dispose()
    return total


def main() -> None:
    url, now, rounds = sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(asdict(asyncio.run(run(url, now, rounds)))))


if __name__ == "__main__":
    main()
