"""The shaper on plain data, table-driven: each case in shaping_cases/ is a query, the merged
subgraph data (plus existing errors and failed fetch paths) and the expected response; over the
test graph's API schema, or the one its `"schema"` names in that folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSchema, build_schema, parse

from bff.execution import prepare_operation
from bff.execution.operation import PreparedOperation
from bff.execution.shaping import COMPILE_AT_USE, MAX_CONDITION_SETS, shape_data

CASES_DIR = Path(__file__).parent / "shaping_cases"
CASES = sorted(CASES_DIR.glob("*.json"))
_case_schemas: dict[str, GraphQLSchema] = {}


def case_schema(case: dict[str, Any], api_schema: GraphQLSchema) -> GraphQLSchema:
    name = case.get("schema")
    if name is None:
        return api_schema
    if name not in _case_schemas:
        _case_schemas[name] = build_schema((CASES_DIR / name).read_text())
    return _case_schemas[name]


def shape_case(
    case: dict[str, Any], schema: GraphQLSchema, operation: PreparedOperation | None = None
) -> dict[str, Any]:
    operation = operation or prepare_operation(parse(case["query"]), None)
    errors = [dict(error) for error in case.get("errors", [])]
    data = shape_data(
        case["data"],
        operation=operation,
        variables=case.get("variables", {}),
        schema=schema,
        errors=errors,
        failed_paths=[tuple(path) for path in case.get("failed_paths", [])],
        root_values=case.get("root_values", {}),
    )
    return {"data": data, "errors": errors}


@pytest.mark.parametrize("case_file", CASES, ids=[case.stem for case in CASES])
def test_shaping_case(case_file: Path, api_schema: GraphQLSchema) -> None:
    case = json.loads(case_file.read_text())

    assert shape_case(case, case_schema(case, api_schema)) == case["expected"]


@pytest.mark.parametrize("case_file", CASES, ids=[case.stem for case in CASES])
def test_shaping_case_by_the_compiled_shaper(case_file: Path, api_schema: GraphQLSchema) -> None:
    # From its second use an operation's answers go through generated code first, which
    # leaves every answer needing an error to the interpreter: the same data and errors.
    case = json.loads(case_file.read_text())
    schema = case_schema(case, api_schema)
    operation = prepare_operation(parse(case["query"]), None)

    answers = [shape_case(case, schema, operation) for _ in range(COMPILE_AT_USE + 2)]

    assert answers == [case["expected"]] * len(answers)


def test_shaping_twice_with_a_cached_operation_gives_the_same_answer(
    api_schema: GraphQLSchema,
) -> None:
    case = json.loads((CASES_DIR / "named_fragments_on_an_interface.json").read_text())
    operation = prepare_operation(parse(case["query"]), None)
    answers = [
        shape_data(case["data"], operation=operation, variables={}, schema=api_schema, errors=[])
        for _ in range(2)
    ]

    assert answers[0] == answers[1] == case["expected"]["data"]
    assert operation.shape_cache  # the second pass reused the collected fields


def test_variable_conditions_are_evaluated_per_request(api_schema: GraphQLSchema) -> None:
    operation = prepare_operation(
        parse('query($on: Boolean!) { product(id: "p1") { id name @include(if: $on) } }'), None
    )
    data = {"product": {"id": "p1", "name": "Keyboard"}}

    def shaped(on: bool) -> Any:
        return shape_data(
            data, operation=operation, variables={"on": on}, schema=api_schema, errors=[]
        )

    assert shaped(True) == {"product": {"id": "p1", "name": "Keyboard"}}
    assert shaped(False) == {"product": {"id": "p1"}}
    assert shaped(True) == {"product": {"id": "p1", "name": "Keyboard"}}


def test_fields_are_collected_once_per_combination_of_condition_values(
    api_schema: GraphQLSchema,
) -> None:
    operation = prepare_operation(
        parse(
            "query($a: Boolean!, $b: Boolean!) "
            '{ product(id: "p1") { id @skip(if: $a) name @include(if: $b) } }'
        ),
        None,
    )
    data = {"product": {"id": "p1", "name": "Keyboard"}}
    for a, b, expected in [
        (False, True, {"id": "p1", "name": "Keyboard"}),
        (True, True, {"name": "Keyboard"}),
        (False, True, {"id": "p1", "name": "Keyboard"}),
        (True, False, {}),
    ]:
        variables = {"a": a, "b": b}
        shaped = shape_data(
            data, operation=operation, variables=variables, schema=api_schema, errors=[]
        )
        assert shaped == {"product": expected}

    # (False, True) was seen twice and collected once.
    assert len(operation.shape_cache) == 3


def test_many_condition_combinations_do_not_grow_the_cache_without_bound(
    api_schema: GraphQLSchema,
) -> None:
    names = [f"v{i}" for i in range(6)]
    header = ", ".join(f"${name}: Boolean!" for name in names)
    fields = " ".join(f"n{i}: name @include(if: ${name})" for i, name in enumerate(names))
    operation = prepare_operation(
        parse(f'query({header}) {{ product(id: "p1") {{ {fields} }} }}'), None
    )
    data = {"product": {f"n{i}": "Keyboard" for i in range(6)}}
    for combination in range(2 ** len(names)):
        variables = {name: bool(combination >> i & 1) for i, name in enumerate(names)}
        shaped = shape_data(
            data, operation=operation, variables=variables, schema=api_schema, errors=[]
        )
        assert shaped == {
            "product": {f"n{i}": "Keyboard" for i, name in enumerate(names) if variables[name]}
        }

    assert len(operation.shape_cache) == MAX_CONDITION_SETS
