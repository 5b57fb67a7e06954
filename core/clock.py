"""The one source of "now", so tests can move time without waiting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self, zone: ZoneInfo) -> date:
        """The date on the wall calendar where the tables meet (Europe/Helsinki)."""
        return self.now().astimezone(zone).date()


class FrozenClock(Clock):
    """A clock that stands still until told to move; for domain tests and benchmarks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class ShiftedClock(Clock):
    """Real time plus an offset: time flows (retries wait), yet a test can jump days ahead."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta
