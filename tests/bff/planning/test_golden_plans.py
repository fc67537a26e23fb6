"""Golden plans: every fixture operation plans to exactly its reviewed `plan.txt`."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from bff.planning import PlanningError, QueryPlanner, print_plan

from .golden import GoldenCase, check_golden, golden_cases

_planners: dict[str, QueryPlanner] = {}


def _planner(case: GoldenCase) -> QueryPlanner:
    key = f"{case.folder} {sorted(case.override_labels)}"
    if key not in _planners:
        _planners[key] = QueryPlanner(case.supergraph)
    return _planners[key]


@pytest.mark.parametrize("case", golden_cases(), ids=lambda case: case.id)
def test_plan_matches_golden(case: GoldenCase) -> None:
    document = parse(case.operation_text)
    errors = validate(case.supergraph.api_schema, document)
    assert not errors, f"fixture operation is invalid: {errors}"

    try:
        printed = print_plan(_planner(case).plan(document, case.operation_name))
    except PlanningError as error:
        printed = f"QueryPlanningFailed: {error}\n"

    check_golden(case, printed)


@pytest.mark.parametrize("case", golden_cases()[:5], ids=lambda case: case.id)
def test_planning_is_deterministic(case: GoldenCase) -> None:
    document = parse(case.operation_text)
    first = print_plan(QueryPlanner(case.supergraph).plan(document, case.operation_name))
    again = print_plan(QueryPlanner(case.supergraph).plan(document, case.operation_name))
    assert first == again
