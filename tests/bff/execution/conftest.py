"""Fixtures for executor tests: the loopback test subgraphs, their API schema, a transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema

from bff.execution import SubgraphTransport
from tests.bff.execution.scripted_subgraph import ScriptedSubgraph
from tests.bff.execution.subgraphs import accounts, catalog, ratings, reviews, shipping
from tests.bff.execution.subgraphs.host import LoopbackSubgraphs, SubgraphServer
from tests.bff.execution.support import PlanRunner

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
