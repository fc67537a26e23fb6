"""The compiled shaper (generated once an operation is shaped a second time) answers as the
interpreter does: an answer it cannot shape without an error is shaped again by the
interpreter, with exactly the interpreter's data and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSchema, build_schema, parse

from bff.execution import prepare_operation
from bff.execution.operation import PreparedOperation
from bff.execution.shaping import COMPILE_AT_USE, shape_data

LEAVES_SCHEMA = build_schema(
    (Path(__file__).parent / "shaping_cases" / "leaves.graphql").read_text()
)


def _shape(
    operation: PreparedOperation,
    data: dict[str, Any],
    schema: GraphQLSchema,
    variables: dict[str, Any] | None = None,
) -> tuple[Any, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    shaped = shape_data(
        data, operation=operation, variables=variables or {}, schema=schema, errors=errors
    )
    return shaped, errors


def _interpreted(
    query: str, data: dict[str, Any], schema: GraphQLSchema, variables: dict[str, Any] | None = None
) -> tuple[Any, list[dict[str, Any]]]:
    # An operation's first answer is the interpreter's alone.
    return _shape(prepare_operation(parse(query), None), data, schema, variables)


def _fallbacks(operation: PreparedOperation) -> int:
    return sum(memo.fallbacks for memo in operation.shape_cache.values())


# (query, an answer shaped without errors, an answer needing an error); leaves schema or not.
FAULTY_ANSWERS = {
    "a non-null field null": (
        "{ samples { required counts } sample { label } }",
        {"samples": [{"required": 1, "counts": [2]}], "sample": {"label": "a"}},
        {"samples": [{"required": 1, "counts": [2]}, {"required": None}], "sample": {"label": "a"}},
        LEAVES_SCHEMA,
    ),
    "a non-null item null": (
        "{ samples { required } }",
        {"samples": [{"required": 1}]},
        {"samples": [{"required": 1}, None]},
        LEAVES_SCHEMA,
    ),
    "an Int out of range": (
        "{ sample { count counts } }",
        {"sample": {"count": 2147483647, "counts": [-2147483648]}},
        {"sample": {"count": 2147483648, "counts": [1]}},
        LEAVES_SCHEMA,
    ),
    "an Int out of range in a list": (
        "{ sample { counts } }",
        {"sample": {"counts": [1, 2]}},
        {"sample": {"counts": [1, 4294967296]}},
        LEAVES_SCHEMA,
    ),
    "an enum value the API schema hides": (
        "{ sample { status statuses } }",
        {"sample": {"status": "OPEN", "statuses": ["CLOSED", None]}},
        {"sample": {"status": "HIDDEN", "statuses": ["OPEN", "NOPE"]}},
        LEAVES_SCHEMA,
    ),
    "a value of the wrong kind": (
        "{ sample { label labels } }",
        {"sample": {"label": "a", "labels": ["b"]}},
        {"sample": {"label": {"text": "a"}, "labels": "b"}},
        LEAVES_SCHEMA,
    ),
    "a __typename the API schema does not have there": (
        "{ topMedia { __typename title ... on Book { pages } } media { id } }",
        {"topMedia": {"__typename": "Book", "title": "T", "pages": 3}, "media": []},
        {"topMedia": {"__typename": "Podcast", "title": "T"}, "media": []},
        None,
    ),
    "an interface's name as __typename": (
        "{ media { __typename id ... on Movie { minutes } } }",
        {"media": [{"__typename": "Movie", "id": "m", "minutes": 90}]},
        {"media": [{"__typename": "Movie", "id": "m", "minutes": 90}, {"__typename": "Media"}]},
        None,
    ),
    "a union member without __typename": (
        '{ search(text: "a") { ... on Product { id } ... on Article { title } } }',
        {"search": [{"__typename": "Article", "title": "A"}, None]},
        {"search": [{"title": "A"}]},
        None,
    ),
}


@pytest.mark.parametrize("case", FAULTY_ANSWERS, ids=list(FAULTY_ANSWERS))
def test_an_answer_needing_an_error_gets_the_interpreters_data_and_errors(
    case: str, api_schema: GraphQLSchema
) -> None:
    query, happy, faulty, schema = FAULTY_ANSWERS[case]
    schema = schema or api_schema
    operation = prepare_operation(parse(query), None)
    for _ in range(COMPILE_AT_USE):  # the second compiles it and shapes by it
        assert _shape(operation, happy, schema) == _interpreted(query, happy, schema)

    shaped = _shape(operation, faulty, schema)

    assert _fallbacks(operation) == 1  # the compiled shaper gave it to the interpreter
    expected = _interpreted(query, faulty, schema)
    assert expected[1]  # the interpreter reports an error for it
    assert shaped == expected
    # The next answer without errors is the compiled shaper's again.
    assert _shape(operation, happy, schema) == expected_happy(query, happy, schema)
    assert _fallbacks(operation) == 1


def expected_happy(
    query: str, happy: dict[str, Any], schema: GraphQLSchema
) -> tuple[Any, list[dict[str, Any]]]:
    shaped, errors = _interpreted(query, happy, schema)
    assert not errors
    return shaped, errors


SKIP_INCLUDE = (
    'query($withPrice: Boolean!, $skipName: Boolean!) { product(id: "p1") { id '
    "name @skip(if: $skipName) price @include(if: $withPrice) "
    "... on Product @include(if: $withPrice) { weight } } }"
)


def test_skip_and_include_by_variables_are_compiled_per_set_of_values(
    api_schema: GraphQLSchema,
) -> None:
    data = {"product": {"id": "p1", "name": "Keyboard", "price": 100, "weight": 10}}
    operation = prepare_operation(parse(SKIP_INCLUDE), None)
    value_sets = [
        {"withPrice": withPrice, "skipName": skipName}
        for withPrice in (True, False)
        for skipName in (True, False)
    ]

    for _ in range(COMPILE_AT_USE + 1):
        for variables in value_sets:
            shaped = _shape(operation, data, api_schema, variables)

            assert shaped == _interpreted(SKIP_INCLUDE, data, api_schema, variables)
    assert _shape(operation, data, api_schema, value_sets[0])[0] == {
        "product": {"id": "p1", "price": 100, "weight": 10}
    }
    assert _shape(operation, data, api_schema, value_sets[3])[0] == {
        "product": {"id": "p1", "name": "Keyboard"}
    }
    assert _fallbacks(operation) == 0


def test_answers_that_keep_needing_errors_are_left_to_the_interpreter() -> None:
    query = "{ sample { count } }"
    operation = prepare_operation(parse(query), None)
    faulty, happy = {"sample": {"count": "many"}}, {"sample": {"count": 1}}

    for _ in range(100):
        assert _shape(operation, faulty, LEAVES_SCHEMA) == _interpreted(
            query, faulty, LEAVES_SCHEMA
        )
    # The compiled shaper pauses longer after each answer it gave back (2, 4, ... 64).
    assert _fallbacks(operation) == 6
    for _ in range(64):
        assert _shape(operation, happy, LEAVES_SCHEMA) == ({"sample": {"count": 1}}, [])
    # Back from its pause, it is tried again.
    _shape(operation, faulty, LEAVES_SCHEMA)
    assert _fallbacks(operation) == 7
