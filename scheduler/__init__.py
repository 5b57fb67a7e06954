"""APScheduler 3 only ticks; the database decides what is due (see DESIGN.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler


class Ticker:
    """A thin wrapper: jobs are replaced, never duplicated; a late tick runs once, not many."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")

    def every(self, seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
        self._scheduler.add_job(job, "interval", seconds=seconds, id=name, name=name,
                                replace_existing=True, coalesce=True, max_instances=1,
                                misfire_grace_time=None)

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def job_count(self) -> int:
        return len(self._scheduler.get_jobs())
