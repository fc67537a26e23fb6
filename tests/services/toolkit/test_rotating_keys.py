"""RotatingKeys off the request path: the first load is waited for, then a re-read past the TTL
runs in the background while the keys held keep answering, and a failed re-read keeps them."""

from __future__ import annotations

import asyncio
import threading

from services.toolkit.secrets import RotatingKeys
from tests.support.fake_clock import FakeClock

TTL = 60


class Secret:
    """What the secret holds now; reading it can be held up or fail, as Secrets Manager can."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.reads = 0
        self.failing = False
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()

    def read(self) -> tuple[str, ...]:
        self.reads += 1
        self.entered.set()
        self.gate.wait(30)
        if self.failing:
            raise ConnectionError("Secrets Manager unreachable")
        return tuple(self.value.split(","))


def test_a_re_read_past_the_ttl_never_holds_up_current() -> None:
    clock = FakeClock()
    secret = Secret("old")
    keys = RotatingKeys(secret.read, ttl_seconds=TTL, clock=clock)
    asyncio.run(keys.load())  # the first read is waited for
    assert keys.current() == (b"old",) and secret.reads == 1

    secret.value = "new,old"
    secret.entered.clear()
    secret.gate.clear()
    clock.now += TTL
    try:
        assert keys.current() == (b"old",)  # answered at once; the re-read started
        assert secret.entered.wait(30)
        assert keys.current() == (b"old",)  # still stuck on Secrets Manager: no second read
        asyncio.run(keys.load())  # does not wait for it either
    finally:
        secret.gate.set()
    keys.wait_for_refresh(30)
    assert keys.current() == (b"new", b"old") and secret.reads == 2


def test_a_failed_re_read_keeps_the_keys_held_until_the_next_ttl() -> None:
    clock = FakeClock()
    secret = Secret("old")
    keys = RotatingKeys(secret.read, ttl_seconds=TTL, clock=clock)
    keys.current()
    secret.failing = True
    clock.now += TTL
    keys.current()
    keys.wait_for_refresh(30)
    assert keys.current() == (b"old",) and secret.reads == 2
    clock.now += TTL - 1
    keys.current()
    assert secret.reads == 2  # not re-tried by every request
    secret.failing = False
    secret.value = "new"
    clock.now += 1
    keys.current()
    keys.wait_for_refresh(30)
    assert keys.current() == (b"new",)
