"""The planner and the executor together: operations over the composed test graph, answered by
the loopback subgraphs. Each case in planned_cases/ is an operation (query.graphql), optional
variables.json and the expected response (expected.json)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from graphql import DocumentNode, parse, validate

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
from tests.bff.execution.subgraphs.host import LoopbackSubgraphs

CASES_DIR = Path(__file__).parent / "planned_cases"
CASES = sorted(path for path in CASES_DIR.iterdir() if path.is_dir())

Runner = Callable[[DocumentNode, dict[str, Any]], Awaitable[GatewayResult]]


@pytest.fixture(scope="module")
def supergraph(subgraphs: LoopbackSubgraphs) -> Supergraph:
    result = compose(
        [
            SubgraphInput(name, server.url, server.schema.as_str())
            for name, server in subgraphs.servers.items()
        ]
    )
    assert isinstance(result, CompositionSuccess), result
    return load_supergraph(result.supergraph_sdl)


@pytest.fixture(scope="module")
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


@pytest.mark.parametrize("case_dir", CASES, ids=[case.name for case in CASES])
async def test_planned_case(case_dir: Path, supergraph: Supergraph, run_planned: Runner) -> None:
    document = parse((case_dir / "query.graphql").read_text())
    assert validate(supergraph.api_schema, document) == []
    variables_file = case_dir / "variables.json"
    variables = json.loads(variables_file.read_text()) if variables_file.exists() else {}

    result = await run_planned(document, variables)

    expected = json.loads((case_dir / "expected.json").read_text())
    assert {"data": result.data, "errors": result.errors} == expected


async def test_planned_fetches_batch_entities_once_per_plan_node(
    subgraphs: LoopbackSubgraphs, run_planned: Runner
) -> None:
    document = parse((CASES_DIR / "three_subgraphs_deep" / "query.graphql").read_text())

    await run_planned(document, {})

    assert [len(subgraphs[name].received) for name in ("catalog", "reviews", "shipping")] == [
        1,
        1,
        1,
    ]
    [accounts_call] = subgraphs["accounts"].received
    assert len(accounts_call.payload["variables"]["representations"]) == 2  # 3 reviews, 2 authors
