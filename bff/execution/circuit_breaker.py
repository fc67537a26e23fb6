"""A circuit breaker per subgraph: a subgraph that keeps failing is not called for a while.

Closed: calls go through; `failure_threshold` failures in a row open it. Open: calls fail at once
(the client gets `SUBGRAPH_UNAVAILABLE` without waiting for a timeout, and the sick subgraph gets
no load) until `open_seconds` have passed. Half-open: one call at a time goes through as a
probe; its success closes the breaker, its failure opens it again for another `open_seconds`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """The breaker of one subgraph (not thread-safe: one per event loop's transport)."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        open_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.open_seconds = open_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._probing or self._clock() - self._opened_at >= self.open_seconds:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> bool:
        """Whether a call may go out now; when half-open, the caller that gets True is the probe
        and must report its outcome."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN or self._probing:
            return False
        self._probing = True
        return True

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
        self._probing = False

    def record_neither(self) -> None:
        """The call ended without saying anything about the subgraph (our deadline, a cancelled
        request): a probe's turn passes to the next call."""
        self._probing = False


class CircuitBreakers:
    """One breaker per subgraph name, each made by `make` on first use."""

    def __init__(self, make: Callable[[], CircuitBreaker] = CircuitBreaker) -> None:
        self._make = make
        self._breakers: dict[str, CircuitBreaker] = {}

    def __getitem__(self, service: str) -> CircuitBreaker:
        breaker = self._breakers.get(service)
        if breaker is None:
            breaker = self._breakers[service] = self._make()
        return breaker

    def state_of(self, service: str) -> BreakerState:
        """`service`'s breaker state; closed for a subgraph never called."""
        breaker = self._breakers.get(service)
        return BreakerState.CLOSED if breaker is None else breaker.state

    def states(self) -> dict[str, BreakerState]:
        """Each called subgraph's breaker state, by name (for readiness)."""
        return {service: breaker.state for service, breaker in sorted(self._breakers.items())}
