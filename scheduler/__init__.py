"""APScheduler 3 only ticks; the database decides what is due (see DESIGN.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler


class Ticker:
    """A thin wrapper: jobs are replaced, never duplicated; a late tick runs once, not many."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._running: set[asyncio.Task[object]] = set()
        self._stopping: asyncio.Task[None] | None = None

    def every(self, seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
        async def tick() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                await job()
            finally:
                self._running.discard(task)

        self._scheduler.add_job(
            tick,
            "interval",
            seconds=seconds,
            id=name,
            name=name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    def start(self) -> None:
        if not self._scheduler.running:
            self._stopping = None
            self._scheduler.start()

    async def idle(self) -> None:
        """The ticks under way have finished (what they queued is committed)."""
        running = list(self._running)
        if running:
            await asyncio.wait(running)

    async def stop(self) -> None:
        """No new ticks; the ticks under way finish their work (nothing is cut mid-send).

        Safe to call more than once, also at the same time (shutdown and close both stop)."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        if not self._scheduler.running:
            return
        # Pause first: shutting down APScheduler's asyncio executor cancels running ticks.
        self._scheduler.pause()
        await asyncio.sleep(0)  # a tick created just before the pause starts now
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        self._scheduler.shutdown(wait=False)

    @property
    def job_count(self) -> int:
        return len(self._scheduler.get_jobs())
