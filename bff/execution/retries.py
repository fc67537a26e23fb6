"""When a failed subgraph call is sent again, and how often.

- A call whose connection failed before any byte of an answer arrived is sent once more on a
  fresh connection. A pooled keep-alive connection the subgraph had just closed fails that way
  (`ServerDisconnectedError`, `ECONNRESET`): the answer was never started. For a mutation only a
  connection that could not be opened counts, since a request written to a dropped connection
  may still have been executed.
- A query answered 502, 503 or 504 (a proxy or the subgraph saying "not now") is sent again after
  a jittered backoff, a limited number of times.
- A mutation is never sent again once it was sent.
- Every retry spends from a `RetryBudget`: retries stay a small share of the traffic, so a
  subgraph in trouble is not hit with a multiple of its load. None starts after the request's
  deadline would pass.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from bff.execution.deadline import Deadline

RETRYABLE_STATUSES = frozenset({502, 503, 504})

# How a call failed, as far as retrying is concerned.
Failure = Literal[
    "not_connected",  # the connection could not be opened: nothing was sent
    "dropped",  # the connection closed before any byte of the answer
    "deadline",  # the request's deadline ran out: no time for another try
    "other",  # a timeout, a broken answer: sending again would not help, or is not safe
]


class ExchangeFailed(Exception):
    """One attempt failed; `failure` says whether it may be retried."""

    def __init__(self, failure: Failure, reason: str) -> None:
        super().__init__(reason)
        self.failure = failure
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Exchange:
    """One attempt's answer: the HTTP status and the body (None when over the size limit)."""

    status: int
    body: bytes | None
    attempts: int = 1


class RetryBudget:
    """Retries allowed as a share of calls: each call earns `ratio` of a retry, each retry
    spends one, and `reserve` retries are always available to a quiet process.

    Like Finagle's and Envoy's retry budgets, without a clock: deterministic to test.
    """

    def __init__(self, *, ratio: float = 0.2, reserve: float = 10.0) -> None:
        self.ratio = ratio
        self.reserve = reserve
        self._balance = reserve

    def earn(self) -> None:
        self._balance = min(self._balance + self.ratio, self.reserve + 100 * self.ratio)

    def spend(self) -> bool:
        if self._balance < 1:
            return False
        self._balance -= 1
        return True


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times and how long to wait; `pause` is awaited between status retries."""

    max_status_retries: int = 2
    backoff_seconds: float = 0.05
    max_backoff_seconds: float = 1.0
    pause: Callable[[float], Awaitable[None]] = asyncio.sleep

    def backoff(self, retry: int) -> float:
        """Full jitter (AWS architecture blog): uniform in [0, base * 2^retry], capped."""
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * 2**retry)
        return random.uniform(0, ceiling)


Attempt = Callable[[bool], Awaitable[Exchange]]


async def send_with_retries(
    attempt: Attempt,
    *,
    mutation: bool,
    budget: RetryBudget,
    policy: RetryPolicy,
    deadline: Deadline | None,
) -> Exchange:
    """Run `attempt(fresh_connection)` and retry it as the module docstring says.

    Raises the last `ExchangeFailed` when no retry is allowed.
    """
    budget.earn()
    attempts = 0
    fresh = False
    reconnected = False
    status_retries = 0
    while True:
        attempts += 1
        try:
            exchange = await attempt(fresh)
        except ExchangeFailed as failed:
            retryable = failed.failure == "not_connected" or (
                failed.failure == "dropped" and not mutation
            )
            if reconnected or not retryable or not budget.spend():
                raise
            reconnected = fresh = True
            continue
        if (
            mutation
            or exchange.status not in RETRYABLE_STATUSES
            or status_retries >= policy.max_status_retries
        ):
            return _counted(exchange, attempts)
        pause = policy.backoff(status_retries)
        if deadline is not None and deadline.remaining() <= pause:
            return _counted(exchange, attempts)
        if not budget.spend():
            return _counted(exchange, attempts)
        status_retries += 1
        await policy.pause(pause)


def _counted(exchange: Exchange, attempts: int) -> Exchange:
    # The usual answer, at the first attempt, is the attempt's own (no copy to make).
    if exchange.attempts == attempts:
        return exchange
    return Exchange(exchange.status, exchange.body, attempts)
