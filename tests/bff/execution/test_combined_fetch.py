"""Combined requests (`CombinedFetch`) and schedules through the executor, over HTTP to the
combined-fetches fixture's subgraphs: a combined request is shared in flight like any request
and fails per part; a schedule's step starts as soon as its own steps finish."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import parse

from bff.execution import (
    GatewayResult,
    SubgraphEndpoint,
    SubgraphTransport,
    execute_plan,
    prepare_operation,
)
from bff.execution.transport import Exchange
from bff.planning import QueryPlanner
from bff.planning.nodes import CombinedFetch, Fetch, QueryPlan, Schedule, Step
from bff.supergraph import load_supergraph_file
from tests.bff.execution.scripted_subgraph import Received, ScriptedSubgraph
from tests.bff.features.feature_stack import FeatureStack

FIXTURE = Path(__file__).parents[1] / "planning" / "fixtures" / "combined-fetches"
QUERY = "{ users { reviews { body } } topProducts { name reviews { body } } }"


@pytest.fixture(scope="module")
def stack() -> Iterator[FeatureStack]:
    yield from FeatureStack.serving("combined-fetches")


class GatedTransport(SubgraphTransport):
    """Holds every request to one subgraph until `release` is set."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    async def _guarded(
        self, endpoint: SubgraphEndpoint, body: bytes, headers: Mapping[str, str], *, mutation: bool
    ) -> Exchange:
        if endpoint.name == self.service:
            self.arrived.set()
            await self.release.wait()
        return await super()._guarded(endpoint, body, headers, mutation=mutation)


def endpoints(stack: FeatureStack, **urls: str) -> dict[str, SubgraphEndpoint]:
    return {
        name: SubgraphEndpoint(name, urls.get(name, url), stack.api_key(name), 10.0)
        for name, url in stack.urls.items()
    }


async def run(transport: SubgraphTransport, found: Mapping[str, SubgraphEndpoint]) -> GatewayResult:
    supergraph = load_supergraph_file(FIXTURE / "supergraph.graphql")
    document = parse(QUERY)
    plan = QueryPlanner(supergraph).plan(document, None)
    assert isinstance(plan.node, Schedule)
    assert any(isinstance(step.node, CombinedFetch) for step in plan.node.steps)
    return await execute_plan(
        plan,
        operation=prepare_operation(document, None),
        variables={},
        schema=supergraph.api_schema,
        endpoints=found,
        transport=transport,
    )


def reviews_calls(stack: FeatureStack) -> list[str]:
    return [call.summary for call in stack.calls if call.service == "reviews"]


async def test_a_combined_request_in_flight_is_shared(stack: FeatureStack) -> None:
    stack.calls.clear()
    transport = GatedTransport("reviews")
    try:
        first = asyncio.ensure_future(run(transport, endpoints(stack)))
        await transport.arrived.wait()  # the first run's combined request is held
        shared_before = transport.in_flight.shared
        second = asyncio.ensure_future(run(transport, endpoints(stack)))
        # The second run fetches its roots, then asks for the same combined request.
        while transport.in_flight.shared == shared_before:  # noqa: ASYNC110
            await asyncio.sleep(0)
        transport.release.set()
        answers: list[GatewayResult] = await asyncio.gather(first, second)
    finally:
        await transport.close()

    assert answers[0] == answers[1]
    assert answers[0].errors == []
    assert answers[0].data is not None
    assert answers[0].data["topProducts"][0] == {
        "name": "Table",
        "reviews": [{"body": "Sturdy"}, {"body": "Heavy"}],
    }
    assert reviews_calls(stack) == ["_entities x2 + x2"]  # one request for both runs


@pytest.mark.parametrize("answer", ["unreachable", "without the parts"])
async def test_a_failed_combined_request_fails_each_part_at_its_own_path(
    stack: FeatureStack, scripted: ScriptedSubgraph, answer: str
) -> None:
    # Port 9 (discard) is not served on loopback: the request fails to connect. The scripted
    # subgraph answers `{"data": {"userCount": 2}}`: neither part's field is in it.
    url = "http://127.0.0.1:9/graphql" if answer == "unreachable" else scripted.url
    transport = SubgraphTransport()
    try:
        result = await run(transport, endpoints(stack, reviews=url))
    finally:
        await transport.close()

    unavailable: list[dict[str, Any]] = [
        error
        for error in result.errors
        if error.get("extensions", {}).get("code") == "SUBGRAPH_UNAVAILABLE"
    ]
    assert [error["path"] for error in unavailable] == [["users", 0], ["topProducts", 0]]


def reviews_failing_users(request: Received) -> bytes:
    """A reviews subgraph whose users' `_entities` fails whole (resolving a reference threw):
    `_entities` is non-null, so a request with that part answers `data: null`."""
    query = orjson.loads(request.body)["query"]
    if "... on User" in query:
        failed = {"message": "reference refused", "path": ["_0"]}
        return orjson.dumps({"data": None, "errors": [failed]})
    reviews = {"p1": [{"body": "Sturdy"}, {"body": "Heavy"}], "p2": [{"body": "Wobbly"}]}
    representations = orjson.loads(request.body)["variables"]["representations1"]
    entities = [{"reviews": reviews[item["upc"]]} for item in representations]
    return orjson.dumps({"data": {"_1": entities}})


async def test_a_part_failing_the_whole_combined_answer_is_asked_again_alone(
    stack: FeatureStack, scripted: ScriptedSubgraph
) -> None:
    # The users' part nulls the combined answer; asked part by part, the products' part
    # answers and only the users' objects fail, as two separate fetches would (no subgraph
    # "unavailable" for the products). Every field here is non-null: the users' failure
    # still nulls the whole answer.
    scripted.script = reviews_failing_users
    transport = SubgraphTransport()
    try:
        result = await run(transport, endpoints(stack, reviews=scripted.url))
    finally:
        await transport.close()

    queries = [orjson.loads(request.body)["query"] for request in scripted.received]
    assert [("_0:" in query, "_1:" in query) for query in queries] == [
        (True, True),
        (True, False),
        (False, True),
    ]
    assert result.data is None
    assert result.errors == [
        {
            "message": "Internal server error.",
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "service": "reviews"},
        }
    ]


class OrderedTransport(SubgraphTransport):
    """Holds accounts' request until a catalog request has been answered; records the order
    in which requests were answered."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: list[str] = []
        self.catalog_answered = asyncio.Event()

    async def _guarded(
        self, endpoint: SubgraphEndpoint, body: bytes, headers: Mapping[str, str], *, mutation: bool
    ) -> Exchange:
        if endpoint.name == "accounts":
            await self.catalog_answered.wait()
        exchange = await super()._guarded(endpoint, body, headers, mutation=mutation)
        self.answered.append(f"{endpoint.name} {orjson.loads(body)['query']}")
        if endpoint.name == "catalog":
            self.catalog_answered.set()
        return exchange


async def test_a_step_starts_when_its_own_steps_finish(stack: FeatureStack) -> None:
    # Step 1 needs nothing and runs while step 0 is held; step 2 waits for step 0 only.
    schedule = Schedule(
        (
            Step(0, Fetch("accounts", "{ users { name } }")),
            Step(1, Fetch("catalog", "{ topProducts { name } }")),
            Step(2, Fetch("catalog", "{ topProducts { upc } }"), after=(0,)),
        )
    )
    query = "{ users { name } topProducts { name upc } }"
    transport = OrderedTransport()
    try:
        # The timeout only turns a wrong order (step 1 waiting for step 0: a deadlock) into a
        # failure instead of a hang.
        result = await asyncio.wait_for(
            _run_schedule(schedule, query, stack, transport), timeout=30
        )
    finally:
        await transport.close()

    assert transport.answered == [
        "catalog { topProducts { name } }",
        "accounts { users { name } }",
        "catalog { topProducts { upc } }",
    ]
    assert result.data == {
        "users": [{"name": "Ada"}, {"name": "Bob"}],
        "topProducts": [{"name": "Table", "upc": "p1"}, {"name": "Chair", "upc": "p2"}],
    }


async def _run_schedule(
    schedule: Schedule, query: str, stack: FeatureStack, transport: SubgraphTransport
) -> GatewayResult:
    supergraph = load_supergraph_file(FIXTURE / "supergraph.graphql")
    return await execute_plan(
        QueryPlan(schedule),
        operation=prepare_operation(parse(query), None),
        variables={},
        schema=supergraph.api_schema,
        endpoints=endpoints(stack),
        transport=transport,
    )


class RecordingGatedTransport(GatedTransport):
    """GatedTransport that also records the queries it was asked to send and the held ones
    cancelled."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.sent: list[str] = []
        self.cancelled: list[str] = []

    async def _guarded(
        self, endpoint: SubgraphEndpoint, body: bytes, headers: Mapping[str, str], *, mutation: bool
    ) -> Exchange:
        query = f"{endpoint.name} {orjson.loads(body)['query']}"
        self.sent.append(query)
        try:
            return await super()._guarded(endpoint, body, headers, mutation=mutation)
        except asyncio.CancelledError:
            self.cancelled.append(query)
            raise


async def test_a_request_given_up_stops_every_step_of_its_schedule(stack: FeatureStack) -> None:
    # Step 1 waits for step 0, which is held; the client goes away meanwhile: neither step
    # goes on (nothing merges into the response given up, step 1 is never sent).
    schedule = Schedule(
        (
            Step(0, Fetch("accounts", "{ users { name } }")),
            Step(1, Fetch("catalog", "{ topProducts { name } }"), after=(0,)),
        )
    )
    transport = RecordingGatedTransport("accounts")
    query = "{ users { name } topProducts { name } }"
    running = asyncio.ensure_future(_run_schedule(schedule, query, stack, transport))
    try:
        await asyncio.wait_for(transport.arrived.wait(), timeout=30)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        assert transport.cancelled == ["accounts { users { name } }"]
        transport.release.set()
        for _ in range(20):
            await asyncio.sleep(0)
    finally:
        await transport.close()

    assert transport.sent == ["accounts { users { name } }"]
