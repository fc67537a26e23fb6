"""Fixtures for executor tests: the loopback test subgraphs, their API schema, a transport, and
the supergraph composed from them with its planner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import DocumentNode, GraphQLSchema, build_schema

from bff.execution import (
    GatewayResult,
    SubgraphEndpoint,
    SubgraphTransport,
    execute_plan,
    prepare_operation,
)
from bff.planning import QueryPlanner
from bff.supergraph import Supergraph, load_supergraph
from discovery.composition import CompositionSuccess, SubgraphInput, compose
from tests.bff.execution.scripted_subgraph import ScriptedSubgraph
from tests.bff.execution.subgraphs import accounts, catalog, ratings, reviews, shipping
from tests.bff.execution.subgraphs.host import LoopbackSubgraphs, SubgraphServer
from tests.bff.execution.support import PlanRunner, Runner

SUBGRAPHS_DIR = Path(__file__).parent / "subgraphs"


@pytest.fixture(scope="session")
def subgraphs() -> Iterator[LoopbackSubgraphs]:
    host = LoopbackSubgraphs(
        [
            SubgraphServer("catalog", catalog.schema, "catalog-key"),
            SubgraphServer("reviews", reviews.schema, "reviews-key"),
            SubgraphServer("shipping", shipping.schema, "shipping-key"),
            SubgraphServer("accounts", accounts.schema, "accounts-key"),
            SubgraphServer("ratings", ratings.schema, "ratings-key"),
        ]
    ).start()
    try:
        yield host
    finally:
        host.stop()


@pytest.fixture(autouse=True)
def _fresh_subgraphs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts with well-behaved subgraphs and empty request logs."""
    yield
    if "subgraphs" in request.fixturenames:
        request.getfixturevalue("subgraphs").reset()


@pytest.fixture(scope="session")
def api_schema() -> GraphQLSchema:
    return build_schema((SUBGRAPHS_DIR / "api_schema.graphql").read_text())


@pytest.fixture
async def transport() -> AsyncIterator[SubgraphTransport]:
    transport = SubgraphTransport()
    try:
        yield transport
    finally:
        await transport.close()


@pytest.fixture
def gateway(
    subgraphs: LoopbackSubgraphs, transport: SubgraphTransport, api_schema: GraphQLSchema
) -> PlanRunner:
    return PlanRunner(subgraphs, transport, api_schema)


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedSubgraph]:
    """A raw loopback subgraph the test scripts request by request (answers by default)."""
    server = await ScriptedSubgraph().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(scope="session")
def supergraph(subgraphs: LoopbackSubgraphs) -> Supergraph:
    result = compose(
        [
            SubgraphInput(name, server.url, server.schema.as_str())
            for name, server in subgraphs.servers.items()
        ]
    )
    assert isinstance(result, CompositionSuccess), result
    return load_supergraph(result.supergraph_sdl)


@pytest.fixture(scope="session")
def planner(supergraph: Supergraph) -> QueryPlanner:
    return QueryPlanner(supergraph)


@pytest.fixture
def run_planned(
    supergraph: Supergraph,
    planner: QueryPlanner,
    subgraphs: LoopbackSubgraphs,
    transport: SubgraphTransport,
) -> Runner:
    """Plan and execute an operation the way the edge does."""
    # As the edge builds them: URLs from the supergraph, keys from configuration.
    endpoints = {
        name: SubgraphEndpoint(name, info.url, subgraphs[name].api_key, 10.0)
        for name, info in supergraph.subgraphs.items()
    }

    async def run(document: DocumentNode, variables: dict[str, Any]) -> GatewayResult:
        return await execute_plan(
            planner.plan(document, None),
            operation=prepare_operation(document, None),
            variables=variables,
            schema=supergraph.api_schema,
            endpoints=endpoints,
            transport=transport,
        )

    return run
