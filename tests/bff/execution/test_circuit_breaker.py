"""The circuit breaker: closed -> open after repeated failures (calls refused at once, no
request sent) -> half-open after a while (one probe) -> closed on success, open on failure."""

from __future__ import annotations

import asyncio

import pytest

from bff.execution import SubgraphEndpoint, SubgraphFetchError, SubgraphTransport
from bff.execution.circuit_breaker import BreakerState, CircuitBreaker, CircuitBreakers
from bff.execution.retries import RetryPolicy
from tests.bff.execution.scripted_subgraph import ScriptedSubgraph
from tests.support.fake_clock import FakeClock

QUERY = {"query": "{ userCount }"}


def test_a_breaker_opens_after_the_threshold_and_probes_after_the_pause() -> None:
    clock = FakeClock()
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
    clock = FakeClock()
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
    clock = FakeClock()
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


NOT_GRAPHQL = [
    pytest.param(b"<html><body>502 Bad Gateway</body></html>", "not JSON", id="html"),
    pytest.param(b"\x00\xffgarbage", "not JSON", id="garbage"),
    pytest.param(b'{"message": "Internal server error"}', "neither data nor errors", id="no-data"),
    pytest.param(b'{"data": null}', "null without errors", id="unexplained-null"),
    pytest.param(b"[1, 2]", "neither data nor errors", id="json-list"),
]


@pytest.mark.parametrize(("body", "reason"), NOT_GRAPHQL)
async def test_a_200_that_is_not_a_graphql_response_counts_as_a_failure(
    scripted: ScriptedSubgraph, body: bytes, reason: str
) -> None:
    answering = False
    scripted.script = lambda _: "answer" if answering else body
    clock = FakeClock()
    breakers = CircuitBreakers(
        lambda: CircuitBreaker(failure_threshold=2, open_seconds=5, clock=clock)
    )
    transport = SubgraphTransport(breakers=breakers)
    endpoint = SubgraphEndpoint("accounts", scripted.url, None, 10.0)
    try:
        for _ in range(2):
            with pytest.raises(SubgraphFetchError, match=reason):
                await transport.fetch(endpoint, QUERY, {})
        assert breakers.states() == {"accounts": BreakerState.OPEN}
        with pytest.raises(SubgraphFetchError, match="circuit breaker open"):
            await transport.fetch(endpoint, QUERY, {})
        assert len(scripted.received) == 2

        answering = True
        clock.now += 5  # the probe gets a real answer: closed again
        assert await transport.fetch(endpoint, QUERY, {}) == {"data": {"userCount": 2}}
        assert breakers.states() == {"accounts": BreakerState.CLOSED}
    finally:
        await transport.close()


async def test_a_garbage_200_shared_by_callers_in_flight_counts_once(
    scripted: ScriptedSubgraph,
) -> None:
    scripted.script = lambda _: b"<html>oops</html>"
    breakers = CircuitBreakers(lambda: CircuitBreaker(failure_threshold=2, open_seconds=60))
    transport = SubgraphTransport(breakers=breakers)
    endpoint = SubgraphEndpoint("accounts", scripted.url, None, 10.0)
    try:
        calls = [transport.fetch(endpoint, QUERY, {}) for _ in range(3)]
        results = await asyncio.gather(*calls, return_exceptions=True)
        assert all(isinstance(result, SubgraphFetchError) for result in results)
        assert len(scripted.received) == 1
        # One exchange, one failure: the breaker (threshold 2) is still closed.
        assert breakers.states() == {"accounts": BreakerState.CLOSED}
    finally:
        await transport.close()


async def test_callers_sharing_an_answer_each_get_their_own_document(
    scripted: ScriptedSubgraph,
) -> None:
    transport = SubgraphTransport()
    endpoint = SubgraphEndpoint("accounts", scripted.url, None, 10.0)
    try:
        first, second = await asyncio.gather(
            transport.fetch(endpoint, QUERY, {}), transport.fetch(endpoint, QUERY, {})
        )
        assert len(scripted.received) == 1
        assert first == second == {"data": {"userCount": 2}}
        assert first is not second and first["data"] is not second["data"]
    finally:
        await transport.close()


async def test_a_401_or_an_oversized_200_does_not_open_the_breaker(
    scripted: ScriptedSubgraph,
) -> None:
    scripted.script = lambda _: 401
    breakers = CircuitBreakers(lambda: CircuitBreaker(failure_threshold=1, open_seconds=60))
    transport = SubgraphTransport(breakers=breakers, max_response_bytes=4)
    endpoint = SubgraphEndpoint("accounts", scripted.url, None, 10.0)
    try:
        with pytest.raises(SubgraphFetchError, match="HTTP 401"):
            await transport.fetch(endpoint, QUERY, {})
        scripted.script = lambda _: "answer"
        with pytest.raises(SubgraphFetchError, match="larger than 4 bytes"):
            await transport.fetch(endpoint, QUERY, {})
        assert breakers.states() == {"accounts": BreakerState.CLOSED}
    finally:
        await transport.close()


def test_the_state_of_one_subgraph_is_read_without_making_a_breaker() -> None:
    breakers = CircuitBreakers(lambda: CircuitBreaker(failure_threshold=1))
    assert breakers.state_of("accounts") is BreakerState.CLOSED
    assert breakers.states() == {}  # asking made no breaker
    breakers["accounts"].record_failure()
    assert breakers.state_of("accounts") is BreakerState.OPEN
    assert breakers.state_of("reviews") is BreakerState.CLOSED
