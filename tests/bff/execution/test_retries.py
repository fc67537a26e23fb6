"""Retries over loopback HTTP: a dropped pooled connection is retried once on a fresh one;
queries retry 502/503/504 within the budget; mutations never retry once sent."""

from __future__ import annotations

import pytest

from bff.execution import SubgraphEndpoint, SubgraphFetchError, SubgraphTransport
from bff.execution.retries import RetryBudget, RetryPolicy
from tests.bff.execution.scripted_subgraph import Received, ScriptedSubgraph

QUERY = {"query": "{ userCount }"}
MUTATION = {"query": "mutation { reset }"}


async def _no_pause(_: float) -> None:
    return None


def _transport(budget: RetryBudget | None = None) -> SubgraphTransport:
    return SubgraphTransport(
        retry_policy=RetryPolicy(pause=_no_pause),
        retry_budget=(lambda: budget) if budget is not None else RetryBudget,
    )


def _endpoint(scripted: ScriptedSubgraph) -> SubgraphEndpoint:
    return SubgraphEndpoint("accounts", scripted.url, None, 10.0)


def _drop_reused(request: Received) -> str:
    # The subgraph closed the idle connection just as the second request arrived on it.
    return "drop" if request.nth_on_connection == 1 else "answer"


async def test_a_dropped_pooled_connection_is_retried_once_on_a_fresh_one(
    scripted: ScriptedSubgraph,
) -> None:
    payload = QUERY
    scripted.script = _drop_reused
    transport = _transport()
    try:
        assert await transport.fetch(_endpoint(scripted), payload, {}) == {"data": {"userCount": 2}}
        answer = await transport.fetch(_endpoint(scripted), payload, {})
    finally:
        await transport.close()
    assert answer == {"data": {"userCount": 2}}
    # Sent on the pooled connection, dropped there, then once more on a new connection.
    assert [(r.connection, r.nth_on_connection) for r in scripted.received] == [
        (0, 0),
        (0, 1),
        (1, 0),
    ]


async def test_a_connection_dropped_again_on_the_retry_is_an_error_after_one_retry(
    scripted: ScriptedSubgraph,
) -> None:
    scripted.script = lambda r: (
        "answer" if (r.connection, r.nth_on_connection) == (0, 0) else "drop"
    )
    transport = _transport()
    try:
        await transport.fetch(_endpoint(scripted), QUERY, {})
        with pytest.raises(SubgraphFetchError, match="request failed"):
            await transport.fetch(_endpoint(scripted), QUERY, {})
    finally:
        await transport.close()
    assert len(scripted.received) == 3  # the first answer, the dropped one, one retry


async def test_a_mutation_on_a_dropped_connection_is_not_sent_again(
    scripted: ScriptedSubgraph,
) -> None:
    scripted.script = _drop_reused
    transport = _transport()
    try:
        await transport.fetch(_endpoint(scripted), MUTATION, {})
        with pytest.raises(SubgraphFetchError, match="request failed"):
            await transport.fetch(_endpoint(scripted), MUTATION, {})
    finally:
        await transport.close()
    assert len(scripted.received) == 2  # it may have run: never twice


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_query_is_retried_on_a_gateway_status(
    scripted: ScriptedSubgraph, status: int
) -> None:
    scripted.script = lambda request: status if len(scripted.received) == 1 else "answer"
    transport = _transport()
    try:
        answer = await transport.fetch(_endpoint(scripted), QUERY, {})
    finally:
        await transport.close()
    assert answer == {"data": {"userCount": 2}}
    assert len(scripted.received) == 2


async def test_status_retries_are_bounded_then_the_status_is_the_error(
    scripted: ScriptedSubgraph,
) -> None:
    scripted.script = lambda _: 503
    transport = _transport()
    try:
        with pytest.raises(SubgraphFetchError, match="HTTP 503"):
            await transport.fetch(_endpoint(scripted), QUERY, {})
    finally:
        await transport.close()
    assert len(scripted.received) == 1 + RetryPolicy().max_status_retries


@pytest.mark.parametrize("status", [500, 400])
async def test_other_statuses_are_not_retried(scripted: ScriptedSubgraph, status: int) -> None:
    scripted.script = lambda _: status
    transport = _transport()
    try:
        with pytest.raises(SubgraphFetchError, match=f"HTTP {status}"):
            await transport.fetch(_endpoint(scripted), QUERY, {})
    finally:
        await transport.close()
    assert len(scripted.received) == 1


async def test_a_mutation_is_never_retried_on_a_status(scripted: ScriptedSubgraph) -> None:
    scripted.script = lambda _: 503
    transport = _transport()
    try:
        with pytest.raises(SubgraphFetchError, match="HTTP 503"):
            await transport.fetch(_endpoint(scripted), MUTATION, {})
    finally:
        await transport.close()
    assert len(scripted.received) == 1


async def test_retries_stop_when_the_budget_is_spent(scripted: ScriptedSubgraph) -> None:
    scripted.script = lambda _: 503
    # Two retries in reserve and none earned: the first call uses both, the next gets none.
    transport = _transport(RetryBudget(ratio=0, reserve=2))
    try:
        for _ in range(2):
            with pytest.raises(SubgraphFetchError, match="HTTP 503"):
                await transport.fetch(_endpoint(scripted), QUERY, {})
    finally:
        await transport.close()
    assert len(scripted.received) == 3 + 1


def test_the_budget_earns_a_share_of_a_retry_per_call() -> None:
    budget = RetryBudget(ratio=0.25, reserve=0)
    assert not budget.spend()
    for _ in range(4):
        budget.earn()
    assert budget.spend()
    assert not budget.spend()


def test_backoff_is_jittered_below_a_growing_cap() -> None:
    policy = RetryPolicy(backoff_seconds=0.1, max_backoff_seconds=0.3)
    waits = {retry: [policy.backoff(retry) for _ in range(200)] for retry in range(4)}
    assert all(0 <= wait <= 0.1 for wait in waits[0])
    assert all(0 <= wait <= 0.2 for wait in waits[1])
    assert all(0 <= wait <= 0.3 for wait in waits[3])
    assert len(set(waits[0])) > 100  # jittered, not one fixed pause
