"""One operation never asks a subgraph for the same field of the same object twice (issue 10,
behaviour 11): checked on every golden plan and on generated operations over every feature
supergraph (fragments, aliases, repeated fields, @skip/@include)."""

from __future__ import annotations

import zlib
from collections import Counter

import pytest
from graphql import FieldNode, InlineFragmentNode, OperationDefinitionNode, SelectionSetNode, parse

from bff.planning import PlanningError, QueryPlan, QueryPlanner
from bff.planning.nodes import plan_fetches
from tests.bff.features.test_features import FEATURES
from tests.bff.property.agreement import subgraphs_of, supergraph_of
from tests.bff.property.operation_generator import OperationGenerator
from tests.bff.property.test_generated_operations import argument_values

from .golden import UNPLANNABLE, plannable_cases

OPERATIONS = 100

Asked = tuple[str, tuple[str, ...]]  # subgraph, response path of a leaf field


def asked_twice(plan: QueryPlan) -> list[Asked]:
    """Each (subgraph, path of a leaf field) the plan asks for in more than one fetch."""
    asked: Counter[Asked] = Counter()
    for path, fetch in plan_fetches(plan.node):
        operation = parse(fetch.operation).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        leaves: set[tuple[str, ...]] = set()
        objects = tuple(key for key in path if key != "@")
        _leaves(operation.selection_set, objects, leaves)
        for leaf in leaves:
            asked[(fetch.service, leaf)] += 1
    return [key for key, count in asked.items() if count > 1]


def _leaves(
    selection: SelectionSetNode, path: tuple[str, ...], found: set[tuple[str, ...]]
) -> None:
    for node in selection.selections:
        if isinstance(node, InlineFragmentNode):
            _leaves(node.selection_set, path, found)
        elif isinstance(node, FieldNode) and node.name.value == "_entities":
            assert node.selection_set is not None
            _leaves(node.selection_set, path, found)
        elif isinstance(node, FieldNode) and node.name.value != "__typename":
            key = (node.alias or node.name).value
            if node.selection_set is None:
                found.add((*path, key))
            else:
                _leaves(node.selection_set, (*path, key), found)


@pytest.mark.parametrize("case", plannable_cases(), ids=lambda case: case.id)
def test_no_golden_plan_asks_a_subgraph_twice(case) -> None:  # type: ignore[no-untyped-def]
    plan = QueryPlanner(case.supergraph).plan(parse(case.operation_text), case.operation_name)

    assert asked_twice(plan) == []


@pytest.mark.parametrize("feature", [f for f in FEATURES if f not in UNPLANNABLE])
def test_no_generated_operation_asks_a_subgraph_twice(feature: str) -> None:
    supergraph = supergraph_of(feature)
    planner = QueryPlanner(supergraph)
    generator = OperationGenerator(
        supergraph.api_schema,
        11 ^ zlib.crc32(feature.encode()),
        argument_values(subgraphs_of(feature).values()),
    )
    for _ in range(OPERATIONS):
        operation = generator.operation()
        try:
            plan = planner.plan(parse(operation.text))
        except PlanningError:
            continue  # refusals are the property tests' business
        assert asked_twice(plan) == [], operation.text
