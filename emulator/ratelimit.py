"""Telegram's flood limits for sending and editing, switchable, answered with 429."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.errors import too_many_requests

LIMITED_PREFIXES = ("send", "edit", "copymessage", "forwardmessage", "stoppoll")
EXEMPT = {"sendchataction"}


@dataclass
class Window:
    """At most `limit` events in any `period` seconds."""

    limit: int
    period: float
    events: deque[float] = field(default_factory=deque)

    def wait_time(self, now: float) -> float:
        while self.events and self.events[0] <= now - self.period:
            self.events.popleft()
        if len(self.events) < self.limit:
            return 0.0
        return self.events[0] + self.period - now


@dataclass
class RateLimits:
    """About 30 messages/s overall, ~1/s per chat with a small burst, 20/min per group."""

    enabled: bool = False
    global_per_second: int = 30
    chat_burst: int = 3
    chat_period: float = 3.0
    group_per_minute: int = 20
    clock: Callable[[], float] = time.monotonic
    _global: dict[int, Window] = field(init=False)
    _chats: dict[tuple[int, int], Window] = field(init=False)
    _groups: dict[tuple[int, int], Window] = field(init=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._global = defaultdict(lambda: Window(self.global_per_second, 1.0))
        self._chats = defaultdict(lambda: Window(self.chat_burst, self.chat_period))
        self._groups = defaultdict(lambda: Window(self.group_per_minute, 60.0))

    @staticmethod
    def applies_to(method: str) -> bool:
        name = method.lower()
        return name.startswith(LIMITED_PREFIXES) and name not in EXEMPT

    def check(self, bot_id: int, chat_id: int | str | None) -> None:
        """Count one send or edit of a bot, or raise 429 with the seconds to wait."""
        if not self.enabled:
            return
        now = self.clock()
        windows = [self._global[bot_id]]
        if isinstance(chat_id, int):
            windows.append(self._chats[bot_id, chat_id])
            if chat_id < 0:
                windows.append(self._groups[bot_id, chat_id])
        wait = max(w.wait_time(now) for w in windows)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for window in windows:
            window.events.append(now)
