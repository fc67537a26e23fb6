"""The workload: subgraph SDLs (ours without federation internals) compose, queries validate."""

from __future__ import annotations

from graphql import parse, validate

from bench.workload import (
    SCENARIOS,
    cdu_subgraphs,
    federation_subgraphs,
    without_federation_internals,
)
from bff.supergraph import load_supergraph
from discovery.composition import CompositionSuccess, SubgraphInput, compose


def test_federation_internals_are_removed_from_a_served_sdl() -> None:
    sdl = without_federation_internals(
        """
        type Query { _entities(representations: [_Any!]!): [_Entity]!  _service: _Service!  a: Int }
        scalar _Any
        union _Entity = T
        type _Service { sdl: String }
        type T @key(fields: "id") { id: ID! }
        """
    )
    assert "_entities" not in sdl and "_service" not in sdl
    assert "_Any" not in sdl and "_Entity" not in sdl and "_Service" not in sdl
    assert "a: Int" in sdl and "type T" in sdl


def test_every_subgraph_composes_into_one_supergraph_every_query_validates_against() -> None:
    sources = federation_subgraphs() + cdu_subgraphs()
    result = compose(
        [SubgraphInput(s.name, f"http://127.0.0.1:1/{s.name}", s.sdl) for s in sources]
    )
    assert isinstance(result, CompositionSuccess), result
    schema = load_supergraph(result.supergraph_sdl).api_schema
    for scenario in SCENARIOS:
        assert validate(schema, parse(scenario.query)) == [], scenario.name


def test_our_fake_subgraphs_serve_the_real_services_sdl() -> None:
    by_name = {source.name: source.sdl for source in cdu_subgraphs()}
    assert set(by_name) == {"students", "lessons", "analytics"}
    assert "leaderboard(" in by_name["analytics"]
    assert "completions: [Completion!]!" in by_name["lessons"]
