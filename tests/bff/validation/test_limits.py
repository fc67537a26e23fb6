"""The gateway's limit rules: depth, aliases and expanded size, each reported with a clear
message and never tripped by GraphiQL's introspection query."""

from __future__ import annotations

import pytest
from graphql import build_schema, get_introspection_query, parse, validate

from bff.validation import (
    document_limit_rules,
    gateway_rules,
    max_aliases_rule,
    max_depth_rule,
    max_fields_rule,
    max_repeated_fields_rule,
)

SCHEMA = build_schema(
    """
    type Query { student(id: ID): Student  students: [Student!]! }
    type Student { id: ID!  name: String  friends: [Student!]!  best: Student }
    """
)


def _messages(query: str, rule) -> list[str]:
    return [error.message for error in validate(SCHEMA, parse(query), [rule])]


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ("{ students { friends { id } } }", []),
        (
            "{ students { friends { friends { id } } } }",
            ["Operation is nested 4 levels deep; the maximum is 3."],
        ),
        # Depth counts through fragments, inline and named.
        (
            "{ students { ...F } } "
            "fragment F on Student { friends { ... on Student { best { id } } } }",
            ["Operation is nested 4 levels deep; the maximum is 3."],
        ),
        # Introspection is left to graphql-core's MaxIntrospectionDepthRule.
        ("{ __schema { types { fields { type { ofType { name } } } } } }", []),
    ],
)
def test_depth_limit(query: str, messages: list[str]) -> None:
    assert _messages(query, max_depth_rule(3)) == messages


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ("{ a: student(id: 1) { id } b: student(id: 2) { id } }", []),
        (
            "{ a: student(id: 1) { n: name } b: student(id: 2) { id } }",
            ["Operation uses 3 aliases; the maximum is 2."],
        ),
        # An aliased fragment spread twice counts twice.
        (
            "{ students { ...F ...F } } fragment F on Student { x: id y: id }",
            ["Operation uses 4 aliases; the maximum is 2."],
        ),
    ],
)
def test_alias_limit(query: str, messages: list[str]) -> None:
    assert _messages(query, max_aliases_rule(2)) == messages


def test_field_limit_counts_fragments_as_expanded() -> None:
    # Each level spreads the next twice: 2^10 copies of `id` from a document of a few lines.
    levels = [
        f"fragment L{i} on Student {{ best {{ ...L{i + 1} ...L{i + 1} }} }}" for i in range(10)
    ]
    query = "{ students { ...L0 } } " + " ".join(levels) + " fragment L10 on Student { id }"
    [message] = _messages(query, max_fields_rule(1000))
    assert message.startswith("Operation selects ")
    assert message.endswith("fields once fragments are expanded; the maximum is 1000.")
    assert _messages("{ students { id name } }", max_fields_rule(3)) == []


def test_fragment_cycles_are_reported_once_by_the_spec_rule() -> None:
    query = (
        "{ students { ...A } } "
        "fragment A on Student { best { ...B } } fragment B on Student { ...A }"
    )
    rules = gateway_rules(max_depth=3, max_aliases=2, max_fields=10)
    messages = [error.message for error in validate(SCHEMA, parse(query), rules)]
    assert messages == ["Cannot spread fragment 'A' within itself via 'B'."]


def test_graphiql_introspection_passes_the_default_limits() -> None:
    rules = gateway_rules(max_depth=15, max_aliases=30, max_fields=2000)
    assert validate(SCHEMA, parse(get_introspection_query(descriptions=True)), rules) == []


def test_introspection_can_be_disabled() -> None:
    rules = gateway_rules(
        max_depth=15, max_aliases=30, max_fields=2000, introspection_enabled=False
    )
    errors = validate(SCHEMA, parse("{ __schema { queryType { name } } }"), rules)
    assert errors[0].message == (
        "GraphQL introspection has been disabled, but the requested query contained the field"
        " '__schema'."
    )


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ("{ students { id id name } }", []),
        (
            "{ students { id id id name } }",
            ["The selection set selects 'id' 3 times; the maximum for one field is 2."],
        ),
        # The response key counts: the same field under different aliases is not repeated.
        ("{ a: student(id: 1) { id } b: student(id: 2) { id } }", []),
        (
            "{ x: students { id } x: students { id } x: students { id } }",
            ["The selection set selects 'x' 3 times; the maximum for one field is 2."],
        ),
        # Every selection set is checked, fragments' too.
        (
            "{ students { ...F } } fragment F on Student { name name name }",
            ["The selection set selects 'name' 3 times; the maximum for one field is 2."],
        ),
    ],
)
def test_repeated_field_limit(query: str, messages: list[str]) -> None:
    assert _messages(query, max_repeated_fields_rule(2)) == messages


@pytest.mark.parametrize("field", ["__typename", "students { id }"])
def test_a_thousand_repeated_fields_get_the_limit_not_validation_aborted(field: str) -> None:
    document = parse("{ " + f"{field} " * 1000 + "}")
    [error] = validate(SCHEMA, document, document_limit_rules(max_repeated_fields=20))
    key = field.split()[0]
    assert error.message == (
        f"The selection set selects '{key}' 1000 times; the maximum for one field is 20."
    )
    assert error.extensions == {"limit": "repeatedFields"}
