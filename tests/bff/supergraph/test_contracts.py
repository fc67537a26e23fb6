"""Contract schemas (bff/supergraph/contracts.py): Apollo's @tag filtering rules."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema

from bff.supergraph.contracts import Contract, ContractError, contract_schema
from discovery.composition import compose
from discovery.composition.result import CompositionSuccess, SubgraphInput
from tests.support.tagged_subgraphs import tagged_supergraph

URLS = {"students": "http://s.test/graphql", "lessons": "http://l.test/graphql"}


@pytest.fixture(scope="module")
def supergraph() -> str:
    return tagged_supergraph(URLS)


def fields(schema: GraphQLSchema, type_name: str) -> set[str]:
    return set(schema.get_type(type_name).fields)  # type: ignore[union-attr]


def test_the_empty_contract_is_the_whole_api_schema(supergraph: str) -> None:
    schema = contract_schema(supergraph, Contract())

    assert "email" in fields(schema, "Student")
    assert schema.get_type("Language") is not None
    assert "passwordHash" not in fields(schema, "Student")  # @inaccessible stays hidden


def test_excluded_elements_and_what_depends_on_them_go(supergraph: str) -> None:
    schema = contract_schema(supergraph, Contract(exclude_tags=frozenset({"internal"})))

    assert fields(schema, "Student") == {"id", "name", "completions"}
    # The enum is tagged: the field returning it goes, and so does the optional argument.
    assert schema.get_type("Language") is None
    assert fields(schema, "Lesson") == {"id", "title"}
    assert set(schema.query_type.fields["lessons"].args) == set()  # type: ignore[union-attr]
    # Input fields are not tagged, so the mutation keeps its input.
    assert set(schema.get_type("RegisterStudentInput").fields) == {"name", "email"}  # type: ignore[union-attr]


def test_include_keeps_only_tagged_fields_and_types_left_with_some(supergraph: str) -> None:
    sdl = supergraph.replace(
        "student(id: ID!): Student @join__field(graph: STUDENTS)",
        'student(id: ID!): Student @join__field(graph: STUDENTS) @tag(name: "public")',
    ).replace(
        "  name: String! @join__field(graph: STUDENTS)",
        '  name: String! @join__field(graph: STUDENTS) @tag(name: "public")',
    )
    assert sdl.count('@tag(name: "public")') == 2, "the fixture's supergraph text changed"

    schema = contract_schema(sdl, Contract(include_tags=frozenset({"public"})))

    assert fields(schema, "Query") == {"student"}
    assert fields(schema, "Student") == {"name"}
    # No mutation field is included: the Mutation type goes with its input; Lesson is unreachable.
    assert schema.mutation_type is None
    assert schema.get_type("RegisterStudentInput") is None
    assert schema.get_type("Lesson") is None


def test_exclusion_wins_over_inclusion(supergraph: str) -> None:
    public = '@join__field(graph: STUDENTS) @tag(name: "public")'
    sdl = (
        supergraph.replace(
            "student(id: ID!): Student @join__field(graph: STUDENTS)",
            f"student(id: ID!): Student {public}",
        )
        .replace(
            "students(first: Int! = 20): [Student!]! @join__field(graph: STUDENTS)",
            f'students(first: Int! = 20): [Student!]! {public} @tag(name: "internal")',
        )
        .replace("  name: String! @join__field(graph: STUDENTS)", f"  name: String! {public}")
    )

    schema = contract_schema(
        sdl, Contract(include_tags=frozenset({"public"}), exclude_tags=frozenset({"internal"}))
    )

    assert fields(schema, "Query") == {"student"}


def test_a_contract_leaving_query_empty_is_refused(supergraph: str) -> None:
    with pytest.raises(ContractError, match="no field on the Query type"):
        contract_schema(supergraph, Contract(include_tags=frozenset({"nothing-has-this"})))


def test_a_contract_leaving_an_invalid_schema_is_refused_with_the_reason() -> None:
    interface = """
        extend schema
          @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@tag"])
        interface Node { id: ID! name: String! }
        type Query { node: Node }
        type User implements Node @key(fields: "id") {
          id: ID!
          name: String! @tag(name: "internal")
        }
    """
    result = compose([SubgraphInput("users", "http://u.test/graphql", interface)])
    assert isinstance(result, CompositionSuccess)

    with pytest.raises(ContractError, match=r"Interface field Node\.name expected"):
        contract_schema(result.supergraph_sdl, Contract(exclude_tags=frozenset({"internal"})))
