"""The circuit breaker: closed -> open after repeated failures (calls refused at once, no
request sent) -> half-open after a while (one probe) -> closed on success, open on failure."""

from __future__ import annotations

import pytest

from bff.execution import SubgraphEndpoint, SubgraphFetchError, SubgraphTransport
from bff.execution.circuit_breaker import BreakerState, CircuitBreaker, CircuitBreakers
from bff.execution.retries import RetryPolicy
from tests.bff.execution.scripted_subgraph import ScriptedSubgraph

QUERY = {"query": "{ userCount }"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_breaker_opens_after_the_threshold_and_probes_after_the_pause() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=3, open_seconds=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.record_success()  # a success resets the count: failures must be in a row
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # one probe at a time
    breaker.record_failure()  # the probe failed: open again for a full pause
    assert breaker.state is BreakerState.OPEN
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow() and breaker.allow()


def test_a_probe_that_says_nothing_passes_its_turn() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, open_seconds=1, clock=clock)
    breaker.record_failure()
    clock.now += 1
    assert breaker.allow()
    breaker.record_neither()  # e.g. the request's deadline ran out
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()


async def test_an_open_breaker_answers_at_once_without_calling_the_subgraph(
    scripted: ScriptedSubgraph,
) -> None:
    clock = Clock()
    failing = True
    scripted.script = lambda _: 500 if failing else "answer"
    breakers = CircuitBreakers(
        lambda: CircuitBreaker(failure_threshold=3, open_seconds=5, clock=clock)
    )
    transport = SubgraphTransport(breakers=breakers, retry_policy=RetryPolicy())
    endpoint = SubgraphEndpoint("accounts", scripted.url, None, 10.0)
    try:
        for _ in range(3):
            with pytest.raises(SubgraphFetchError, match="HTTP 500"):
                await transport.fetch(endpoint, QUERY, {})
        assert breakers.states() == {"accounts": BreakerState.OPEN}
        with pytest.raises(SubgraphFetchError, match="circuit breaker open"):
            await transport.fetch(endpoint, QUERY, {})
        assert len(scripted.received) == 3  # refused without a request

        clock.now += 5  # half-open: the next call is a probe, and it fails
        with pytest.raises(SubgraphFetchError, match="HTTP 500"):
            await transport.fetch(endpoint, QUERY, {})
        assert breakers.states() == {"accounts": BreakerState.OPEN}
        assert len(scripted.received) == 4

        failing = False
        clock.now += 5
        assert await transport.fetch(endpoint, QUERY, {}) == {"data": {"userCount": 2}}
        assert breakers.states() == {"accounts": BreakerState.CLOSED}
        await transport.fetch(endpoint, QUERY, {})
        assert len(scripted.received) == 6
    finally:
        await transport.close()


async def test_one_subgraphs_breaker_does_not_refuse_another(scripted: ScriptedSubgraph) -> None:
    scripted.script = lambda request: 500 if b"broken" in request.body else "answer"
    breakers = CircuitBreakers(lambda: CircuitBreaker(failure_threshold=1, open_seconds=60))
    transport = SubgraphTransport(breakers=breakers)
    try:
        with pytest.raises(SubgraphFetchError):
            await transport.fetch(
                SubgraphEndpoint("reviews", scripted.url, None, 10.0), {"query": "{ broken }"}, {}
            )
        healthy = SubgraphEndpoint("accounts", scripted.url, None, 10.0)
        assert await transport.fetch(healthy, QUERY, {}) == {"data": {"userCount": 2}}
    finally:
        await transport.close()
    assert breakers.states() == {"accounts": "closed", "reviews": "open"}
