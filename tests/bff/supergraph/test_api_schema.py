"""The API schema: what clients validate against and introspect, without federation internals."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    build_schema,
    get_introspection_query,
    graphql_sync,
    lexicographic_sort_schema,
    print_schema,
)

from bff.supergraph import load_supergraph_file

FIXTURES = Path(__file__).parent / "fixtures"
PLANNING_FIXTURES = Path(__file__).parents[1] / "planning" / "fixtures"
INTERNAL_TYPES = {"_Any", "_Entity", "_Service", "join__Graph", "join__FieldSet", "link__Import"}
INTERNAL_DIRECTIVES = {"link", "inaccessible", "join__type", "join__field", "join__graph"}


def _printed(schema: object) -> str:
    return print_schema(lexicographic_sort_schema(schema))  # type: ignore[arg-type]


def test_our_services_api_schema_is_the_public_schema() -> None:
    supergraph = load_supergraph_file(PLANNING_FIXTURES / "our-services" / "supergraph.graphql")
    expected = build_schema((FIXTURES / "our-services-api.graphql").read_text(encoding="utf-8"))

    assert _printed(supergraph.api_schema) == _printed(expected)


@pytest.mark.parametrize(
    "path",
    [*sorted(PLANNING_FIXTURES.glob("*/supergraph.graphql")), FIXTURES / "renamed-specs.graphql"],
    ids=lambda path: path.parent.name if path.name == "supergraph.graphql" else path.stem,
)
def test_no_internals_leak(path: Path) -> None:
    schema = load_supergraph_file(path).api_schema

    names = set(schema.type_map)
    assert not names & INTERNAL_TYPES
    assert not any(name.startswith(("join__", "link__", "j__")) for name in names)
    directives = {directive.name for directive in schema.directives}
    assert not directives & INTERNAL_DIRECTIVES
    assert "hidden" not in directives
    for root in (schema.query_type, schema.mutation_type):
        if root is not None:
            assert not {"_entities", "_service"} & set(root.fields)
    printed = print_schema(schema)
    assert "@join__" not in printed and "@inaccessible" not in printed and "@link" not in printed


def test_inaccessible_elements_are_hidden() -> None:
    schema = load_supergraph_file(PLANNING_FIXTURES / "inaccessible" / "supergraph.graphql")
    api = schema.api_schema

    assert "Debug" not in api.type_map
    assert "debug" not in api.query_type.fields  # type: ignore[union-attr]
    user = api.type_map["User"]
    assert set(user.fields) == {"name", "role", "plan"}  # type: ignore[attr-defined]
    assert set(api.type_map["Role"].values) == {"MEMBER"}  # type: ignore[attr-defined]


def test_introspection_of_the_api_schema_works() -> None:
    supergraph = load_supergraph_file(PLANNING_FIXTURES / "interface-object" / "supergraph.graphql")

    result = graphql_sync(supergraph.api_schema, get_introspection_query())

    assert result.errors is None
    assert result.data is not None
    names = {t["name"] for t in result.data["__schema"]["types"]}
    assert {"Media", "Book", "Movie", "Query"} <= names
