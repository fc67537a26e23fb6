"""Every field reachable from a root (to a bounded depth) plans, on every fixture supergraph
and on every Apollo-composed supergraph of the composition tests; where the subgraph SDLs are
at hand, every fetch is also valid for its subgraph."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from bff.planning import QueryPlanner
from bff.planning.nodes import plan_requests
from bff.supergraph import load_supergraph_file

from .exhaustive_operations import root_field_operations
from .golden import UNPLANNABLE
from .subgraph_schemas import load_subgraph_schemas

ROOT = Path(__file__).parents[3]
PLANNING_FIXTURES = Path(__file__).parent / "fixtures"
PLANNABLE = [
    path
    for path in sorted(PLANNING_FIXTURES.glob("*/supergraph.graphql"))
    if path.parent.name not in UNPLANNABLE
]
APOLLO_COMPOSED = sorted(
    (ROOT / "tests" / "discovery" / "composition" / "fixtures").glob("*/apollo-supergraph.graphql")
)


@pytest.mark.parametrize("path", [*PLANNABLE, *APOLLO_COMPOSED], ids=lambda path: path.parent.name)
def test_every_field_plans(path: Path) -> None:
    supergraph = load_supergraph_file(path)
    planner = QueryPlanner(supergraph)
    subgraphs = load_subgraph_schemas(path.parent) if (path.parent / "subgraphs").is_dir() else {}

    for name, text in root_field_operations(supergraph.api_schema):
        document = parse(text)
        assert not validate(supergraph.api_schema, document), f"generator bug: {text}"
        plan = planner.plan(document, None)
        assert plan.node is not None, name
        for service, sent in plan_requests(plan.node):
            if service in subgraphs:
                errors = validate(subgraphs[service], parse(sent))
                assert not errors, f"{name} -> {service}: {sent}\n{errors}"
