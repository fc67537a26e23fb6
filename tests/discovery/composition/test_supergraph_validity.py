"""What we print is a valid GraphQL schema, and the gateway's supergraph loader accepts it."""

from __future__ import annotations

import pytest
from graphql import build_ast_schema, parse

from bff.supergraph.loader import load_supergraph
from discovery.composition import CompositionSuccess, compose
from tests.discovery.composition.fixture_cases import APOLLO_SUPERGRAPH, cases_with, subgraphs_of


@pytest.mark.parametrize("case", cases_with(APOLLO_SUPERGRAPH))
def test_supergraph_builds_as_a_graphql_schema(case: str) -> None:
    result = compose(subgraphs_of(case))
    assert isinstance(result, CompositionSuccess)

    schema = build_ast_schema(parse(result.supergraph_sdl))

    assert schema.query_type is not None
    assert schema.query_type.name == "Query"


@pytest.mark.parametrize("case", cases_with(APOLLO_SUPERGRAPH))
def test_gateway_loads_the_supergraph(case: str) -> None:
    subgraphs = subgraphs_of(case)
    result = compose(subgraphs)
    assert isinstance(result, CompositionSuccess)

    supergraph = load_supergraph(result.supergraph_sdl, version=1)

    assert {(s.name, s.url) for s in supergraph.subgraphs.values()} == {
        (s.name, s.url) for s in subgraphs
    }


def test_gateway_sees_which_service_resolves_each_student_field() -> None:
    result = compose(subgraphs_of("ours"))
    assert isinstance(result, CompositionSuccess)

    supergraph = load_supergraph(result.supergraph_sdl, version=1)

    owners = {
        name: set(supergraph.subgraphs[graph].name for graph in field.graphs)
        for name, field in supergraph.type("Student").fields.items()
    }
    assert owners["id"] == {"students", "lessons", "analytics"}
    assert owners["email"] == {"students"}
    assert owners["completions"] == {"lessons"}
    assert owners["rank"] == {"analytics"}
