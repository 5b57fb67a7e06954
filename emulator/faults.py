"""Fault injection for tests: 5xx bursts, slow answers, dropped connections, 429 storms."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from emulator.errors import ApiError, too_many_requests


@dataclass
class Faults:
    status_5xx_rate: float = 0.0
    too_many_rate: float = 0.0
    delay: float = 0.0
    drop_rate: float = 0.0
    retry_after: int = 1
    status_5xx_burst: int = 0  # the next N matching calls fail with 502, then the rates apply
    methods: set[str] | None = None  # lower-case names; None means every method
    rng: random.Random = field(default_factory=random.Random)

    def configure(
        self,
        *,
        status_5xx_rate: float = 0.0,
        too_many_rate: float = 0.0,
        delay: float = 0.0,
        drop_rate: float = 0.0,
        retry_after: int = 1,
        status_5xx_burst: int = 0,
        methods: list[str] | None = None,
        seed: int | None = None,
    ) -> None:
        for rate in (status_5xx_rate, too_many_rate, drop_rate):
            if not 0.0 <= rate <= 1.0:
                raise ValueError("rates must be between 0 and 1")
        self.status_5xx_rate = status_5xx_rate
        self.too_many_rate = too_many_rate
        self.delay = delay
        self.drop_rate = drop_rate
        self.retry_after = retry_after
        self.status_5xx_burst = status_5xx_burst
        self.methods = {m.lower() for m in methods} if methods else None
        if seed is not None:
            self.rng.seed(seed)

    def reset(self) -> None:
        self.configure()

    def applies(self, method: str) -> bool:
        return self.methods is None or method.lower() in self.methods

    def should_drop(self, method: str) -> bool:
        return self.applies(method) and self.rng.random() < self.drop_rate

    def error(self, method: str) -> ApiError | None:
        """Pick the injected error for this call, if any."""
        if not self.applies(method):
            return None
        if self.status_5xx_burst > 0:
            self.status_5xx_burst -= 1
            return ApiError(502, "Bad Gateway")
        if self.rng.random() < self.status_5xx_rate:
            return ApiError(502, "Bad Gateway")
        if self.rng.random() < self.too_many_rate:
            return too_many_requests(self.retry_after)
        return None
