"""The request deadline: subgraph calls end by it whatever their own timeout, a call that would
start after it is not sent, and the plan answers what arrived with errors for the rest."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bff.execution import SubgraphEndpoint, SubgraphFetchError, SubgraphTransport
from bff.execution.circuit_breaker import CircuitBreaker, CircuitBreakers
from bff.execution.deadline import Deadline, deadline_scope, request_deadline
from bff.planning.nodes import Fetch, Parallel
from tests.bff.execution.scripted_subgraph import ScriptedSubgraph
from tests.bff.execution.subgraphs.host import LoopbackSubgraphs
from tests.bff.execution.support import PlanRunner

QUERY = {"query": "{ userCount }"}


async def test_a_call_ends_at_the_deadline_not_at_its_own_timeout(
    scripted: ScriptedSubgraph,
) -> None:
    scripted.script = lambda _: "hang"
    breakers = CircuitBreakers(lambda: CircuitBreaker(failure_threshold=1))
    transport = SubgraphTransport(breakers=breakers)
    endpoint = SubgraphEndpoint("accounts", scripted.url, None, timeout=300.0)
    try:
        with deadline_scope(Deadline.after(0.2)), pytest.raises(SubgraphFetchError) as raised:
            await transport.fetch(endpoint, QUERY, {})
    finally:
        await transport.close()
    assert "at the request's deadline" in raised.value.reason
    # Our deadline says nothing about the subgraph's health.
    assert breakers.states() == {"accounts": "closed"}


async def test_no_call_starts_after_the_deadline(scripted: ScriptedSubgraph) -> None:
    transport = SubgraphTransport()
    endpoint = SubgraphEndpoint("accounts", scripted.url, None, timeout=300.0)
    try:
        with deadline_scope(Deadline.after(-1)), pytest.raises(SubgraphFetchError) as raised:
            await transport.fetch(endpoint, QUERY, {})
    finally:
        await transport.close()
    assert raised.value.reason == "the request's deadline passed before the call"
    assert scripted.received == []


async def test_the_plan_answers_what_arrived_by_the_deadline(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    subgraphs["reviews"].behaviour = "hang"
    plan = Parallel(
        (
            Fetch("catalog", '{ product(id: "p1") { name } }'),
            Fetch("reviews", "{ latestReviews { body } }"),
        )
    )
    with deadline_scope(Deadline.after(0.3)):
        result = await gateway.run(
            plan,
            '{ product(id: "p1") { name } latestReviews { body } }',
            subgraph_timeout=300.0,
        )
    assert result.data == {"product": {"name": "Keyboard"}, "latestReviews": None}
    assert [(e["path"], e["extensions"]["code"]) for e in result.errors] == [
        (["latestReviews"], "SUBGRAPH_UNAVAILABLE")
    ]


def test_in_lambda_the_deadline_leaves_time_to_answer() -> None:
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 3_000)
    within_lambda = request_deadline(25.0, context)
    assert 2.0 < within_lambda.remaining() <= 2.5
    assert 24.0 < request_deadline(25.0, None).remaining() <= 25.0
