"""One operation on one fixture graph, checked end to end: it plans, every subgraph document
validates against the schema that subgraph serves, and the gateway's answer over HTTP has the
`data` and error paths of `FixtureMonolith`'s answer over the same data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from graphql import parse, validate

from bff.gateway import PLANNING_FAILED
from bff.planning import PlanningError, QueryPlanner
from bff.planning.nodes import plan_requests
from bff.supergraph import Supergraph, load_supergraph_file
from tests.bff.features.computed_fields import COMPUTED_FIELDS
from tests.bff.features.feature_stack import (
    PLANNING_FIXTURES,
    FeatureStack,
    load_feature_subgraphs,
)
from tests.bff.features.fixture_subgraph import FixtureSubgraph
from tests.bff.features.test_features import FeatureStacks
from tests.bff.planning.golden import UNPLANNABLE
from tests.bff.property.fixture_monolith import FixtureMonolith
from tests.bff.property.operation_generator import GeneratedOperation

# Features whose supergraph has fields no plan reaches, on purpose (issue 10 behaviour 7): an
# operation there either plans and agrees, or is refused whole.
REFUSALS_EXPECTED = UNPLANNABLE


def assert_agrees_with_monolith(
    feature: str, operation: GeneratedOperation, stacks: FeatureStacks
) -> None:
    """`assert_agrees` for a feature of the features harness."""
    try:
        QueryPlanner(supergraph_of(feature)).plan(parse(operation.text), None)
    except PlanningError:
        if feature not in REFUSALS_EXPECTED:
            raise
        assert_refused_whole(feature, operation, stacks)
        return
    assert_agrees(
        supergraph_of(feature),
        subgraphs_of(feature),
        monolith_of(feature),
        stacks[feature],
        operation,
    )


def assert_agrees(
    supergraph: Supergraph,
    subgraphs: Mapping[str, FixtureSubgraph],
    monolith: FixtureMonolith,
    stack: FeatureStack,
    operation: GeneratedOperation,
) -> None:
    """The operation plans, each fetch is valid for its subgraph, and the gateway serving
    `supergraph` in `stack` answers what the monolith answers."""
    plan = QueryPlanner(supergraph).plan(parse(operation.text), None)
    for service, sent in plan_requests(plan.node):
        errors = validate(subgraphs[service].schema, parse(sent))
        assert not errors, f"{service} rejects:\n{sent}\n{errors}"

    status, answer = stack.post(operation.text, operation.variables)
    expected = monolith.execute(operation.text, operation.variables)

    assert status == 200
    assert answer.get("data") == expected["data"], operation
    assert_same_errors(answer, expected, operation)


@cache
def supergraph_of(feature: str) -> Supergraph:
    return load_supergraph_file(PLANNING_FIXTURES / feature / "supergraph.graphql")


@cache
def subgraphs_of(feature: str) -> dict[str, FixtureSubgraph]:
    return {subgraph.name: subgraph for subgraph in load_feature_subgraphs(feature)}


@cache
def monolith_of(feature: str) -> FixtureMonolith:
    return FixtureMonolith(
        supergraph_of(feature).api_schema,
        list(subgraphs_of(feature).values()),
        COMPUTED_FIELDS.get(feature, {}),
    )


def assert_refused_whole(
    feature: str, operation: GeneratedOperation, stacks: FeatureStacks
) -> None:
    """An operation no plan satisfies gets the planner's error and nothing else: no data, no
    subgraph asked."""
    stack = stacks[feature]
    stack.calls.clear()
    _, answer = stack.post(operation.text, operation.variables)
    assert "data" not in answer, answer
    assert [error["extensions"]["code"] for error in answer["errors"]] == [PLANNING_FAILED]
    assert stack.calls == []


def assert_same_errors(
    answer: Mapping[str, Any], expected: Mapping[str, Any], context: Any
) -> None:
    """The same error paths, but for errors below a null: graphql-core's monolith stops
    completing an object (or `data`) at the first non-null field that fails, so it never
    reports the other failures the gateway's subgraphs did report there (the spec allows
    both)."""
    got, wanted = error_paths(answer), error_paths(expected)
    missing = [path for path in wanted if path not in got]
    extra = [
        path for path in got if path not in wanted and not _under_null(answer.get("data"), path)
    ]
    assert not missing and not extra, (context, answer.get("errors"), expected.get("errors"))


def error_paths(response: Mapping[str, Any]) -> list[Any]:
    return sorted((error.get("path") or [] for error in response.get("errors", [])), key=repr)


def _under_null(data: Any, path: list[Any]) -> bool:
    """Is some prefix of `path` null in `data` (so the value at `path` was never sent)?"""
    value = data
    for segment in path:
        if value is None:
            return True
        if isinstance(value, dict):
            value = value.get(segment)
        elif isinstance(value, list) and isinstance(segment, int) and segment < len(value):
            value = value[segment]
        else:
            return False
    return False


def argument_values(subgraphs: Iterable[FixtureSubgraph]) -> dict[str, list[Any]]:
    """Per `field.argument`, the values the data answers (`$by` choices): lookups that find."""
    found: dict[str, set[str]] = {}

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            if "$by" in value and key is not None:
                found.setdefault(f"{key}.{value['$by']}", set()).update(value["values"])
            for inner_key, inner in value.items():
                walk(inner, inner_key)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)

    for subgraph in subgraphs:
        walk(subgraph.data, None)
    return {coordinate: sorted(values) for coordinate, values in found.items()}
