"""Every way a graph can fail to compose comes back as an error value naming service and element."""

from __future__ import annotations

import json

import pytest

from discovery.composition import (
    CompositionFailure,
    SourceLocation,
    SubgraphInput,
    compose,
)
from tests.discovery.composition.fixture_cases import (
    EXPECTED_ERRORS,
    FIXTURES,
    cases_with,
    subgraphs_of,
)

FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@override", "@shareable"])\n'  # noqa: E501


def failure(subgraphs: list[SubgraphInput]) -> CompositionFailure:
    result = compose(subgraphs)
    assert isinstance(result, CompositionFailure), result
    return result


@pytest.mark.parametrize("case", cases_with(EXPECTED_ERRORS))
def test_fixture_errors_have_their_code_message_service_and_location(case: str) -> None:
    errors = failure(subgraphs_of(case)).errors

    expected = json.loads((FIXTURES / case / EXPECTED_ERRORS).read_text())
    assert [error.to_json() for error in errors] == expected


def test_invalid_sdl_points_at_the_line_and_column() -> None:
    sdl = "type Query {\n  ok: Int\n  broken(: Int\n}\n"

    (error,) = failure([SubgraphInput("students", "http://s", sdl)]).errors

    assert error.code == "INVALID_GRAPHQL"
    assert error.service == "students"
    assert error.locations == (SourceLocation(3, 10),)
    assert error.message.startswith("[students] Invalid GraphQL SDL: Syntax Error")


def test_no_subgraphs_is_an_error() -> None:
    (error,) = failure([]).errors

    assert error.code == "NO_SUBGRAPHS"


def test_duplicate_service_names_are_an_error() -> None:
    sdl = FEDERATION + "type Query { a: Int }"
    subgraphs = [
        SubgraphInput("students", "http://a", sdl),
        SubgraphInput("students", "http://b", sdl),
    ]

    (error,) = failure(subgraphs).errors

    assert error.code == "DUPLICATE_SUBGRAPH_NAME"
    assert error.service == "students"
    assert '"students" is used by 2 subgraphs' in error.message


@pytest.mark.parametrize("name", ["", "  ", "_"])
def test_unusable_service_names_are_an_error(name: str) -> None:
    (error,) = failure([SubgraphInput(name, "http://a", "type Query { a: Int }")]).errors

    assert error.code == "INVALID_SUBGRAPH_NAME"


def test_a_graph_without_any_query_field_is_an_error() -> None:
    sdl = FEDERATION + "type Mutation { ping: Boolean }"

    (error,) = failure([SubgraphInput("students", "http://a", sdl)]).errors

    assert error.code == "NO_QUERIES"


def test_override_from_the_same_subgraph_is_an_error() -> None:
    sdl = FEDERATION + 'type Query { a: Int @override(from: "students") }'

    (error,) = failure([SubgraphInput("students", "http://a", sdl)]).errors

    assert error.code == "OVERRIDE_FROM_SELF_ERROR"
    assert error.service == "students"
    assert '"Query.a"' in error.message


def test_a_type_defined_twice_in_one_subgraph_is_invalid_graphql() -> None:
    sdl = FEDERATION + "type Query { a: Int }\ntype Query { b: Int }"

    (error,) = failure([SubgraphInput("students", "http://a", sdl)]).errors

    assert error.code == "INVALID_GRAPHQL"
    assert error.message == '[students] There can be only one type named "Query"'
    assert error.locations == (SourceLocation(3, 1),)


def test_every_failing_subgraph_is_reported_not_just_the_first() -> None:
    subgraphs = [
        SubgraphInput("lessons", "http://l", "type Query { a: Missing }"),
        SubgraphInput("students", "http://s", "type Query {"),
    ]

    errors = failure(subgraphs).errors

    assert [(e.code, e.service) for e in errors] == [
        ("INVALID_GRAPHQL", "lessons"),
        ("INVALID_GRAPHQL", "students"),
    ]


def test_errors_serialize_for_the_registry_api() -> None:
    (error,) = failure([SubgraphInput("students", "http://s", "type Query {")]).errors

    assert error.to_json() == {
        "code": "INVALID_GRAPHQL",
        "message": "[students] Invalid GraphQL SDL: Syntax Error: Expected Name, found <EOF>.",
        "service": "students",
        "locations": [{"line": 1, "column": 13}],
    }


def test_operations_in_a_schema_sdl_are_invalid_graphql() -> None:
    (error,) = failure([SubgraphInput("students", "http://s", "query { a }")]).errors

    assert error.code == "INVALID_GRAPHQL"
    assert error.message == "[students] Operations and fragments do not belong in a schema SDL"
    assert error.locations == (SourceLocation(1, 1),)


def test_a_root_type_named_in_the_schema_must_exist() -> None:
    sdl = "schema { query: Missing }\ntype Query { a: Int }"

    (error,) = failure([SubgraphInput("students", "http://s", sdl)]).errors

    assert error.code == "INVALID_GRAPHQL"
    assert error.message == '[students] The query root type "Missing" is not defined'


ODD_SDLS = [
    FEDERATION + "type Query { a: A }\ntype A @key(fields: 1) { id: ID }",
    FEDERATION + "type Query { a: A }\ntype A @key { id: ID }",
    FEDERATION + "type Query { a: Int @override }",
    "extend schema @link(url: 5)\ntype Query { a: Int }",
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: 5)\n'
    "type Query { a: Int }",
    "directive @custom on FIELD_DEFINITION",
    FEDERATION + 'type Query { a: A @provides(fields: "id { x }") }\n'
    'type A @key(fields: "id") { id: ID }',
    FEDERATION + "type Query { a: I }\ninput I { x: Int }",
    FEDERATION + "type Query { a: U }\nunion U = Int",
    FEDERATION + "type Query { a: Int @deprecated(reason: 5) }",
    FEDERATION + 'type Query { a: A }\ntype A @key(fields: "id {") { id: ID }',
]


@pytest.mark.parametrize("sdl", ODD_SDLS)
def test_odd_sdl_gives_a_result_value_never_an_exception(sdl: str) -> None:
    result = compose([SubgraphInput("students", "http://s", sdl)])

    assert result.ok or all(error.code and error.message for error in result.errors)
