"""Schema coordinates of an operation (bff/usage/coordinates.py): fragments, aliases, arguments,
enum values and input fields, from literals and from variables at any depth."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, parse

from bff.execution.operation import prepare_operation
from bff.usage.coordinates import operation_coordinates

SCHEMA = build_schema("""
    enum Lang { PY GO RS }
    input Range { min: Int max: Int }
    input Filter { langs: [Lang!] range: Range tag: String }
    interface Node { id: ID! }
    type Book implements Node { id: ID! title(upper: Boolean): String! }
    type Query {
      books(filter: Filter, first: Int = 10): [Book!]!
      node(id: ID!): Node
      other: String
    }
""")


def used(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> set[str]:
    prepared = prepare_operation(parse(query), name)
    return set(operation_coordinates(SCHEMA, prepared).used(variables))


def test_fields_by_name_through_aliases_and_fragments() -> None:
    query = """
      query Q { shelf: books { ...Parts } node(id: "1") { ... on Book { t: title } __typename } }
      fragment Parts on Book { id title(upper: true) }
    """
    assert used(query) == {
        "Query.books",
        "Book.id",
        "Book.title",
        "Book.title(upper:)",
        "Query.node",
        "Query.node(id:)",
    }


def test_literal_inputs_and_enum_values_at_any_depth() -> None:
    query = "{ books(filter: {langs: [GO], range: {min: 1}}) { id } }"
    assert used(query) == {
        "Query.books",
        "Query.books(filter:)",
        "Filter.langs",
        "Filter.range",
        "Range.min",
        "Lang.GO",
        "Book.id",
    }


@pytest.mark.parametrize(
    ("variables", "extra"),
    [
        (
            {"f": {"range": {"max": 3}, "langs": ["RS", "PY"]}},
            {"Filter.range", "Range.max", "Filter.langs", "Lang.RS", "Lang.PY"},
        ),
        ({"f": {"tag": "x"}}, {"Filter.tag"}),
        ({"f": None}, set()),
        ({}, set()),
    ],
    ids=["nested", "one-field", "null", "absent"],
)
def test_inputs_from_variables_are_read_from_the_values(
    variables: dict[str, Any], extra: set[str]
) -> None:
    query = "query Q($f: Filter) { books(filter: $f) { id } }"
    assert used(query, variables) == {"Query.books", "Query.books(filter:)", "Book.id"} | extra


def test_only_the_chosen_operation_and_its_fragments_count() -> None:
    query = """
      query A { books { ...F } }
      query B { other }
      fragment F on Book { id }
    """
    assert used(query, name="B") == {"Query.other"}
    assert used(query, name="A") == {"Query.books", "Book.id"}
