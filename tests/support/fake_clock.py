"""A clock the test moves by hand (`clock.now += 60`), for TTLs and breaker pauses."""

from __future__ import annotations


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
