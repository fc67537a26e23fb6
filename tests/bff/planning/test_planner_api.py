"""The planner's interface: operation selection, errors, purity and reuse across plans."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse

from bff.planning import PlanningError, QueryPlan, QueryPlanner, print_plan
from bff.planning.nodes import Fetch
from bff.supergraph import load_supergraph_file

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def planner() -> QueryPlanner:
    return QueryPlanner(load_supergraph_file(FIXTURES / "our-services" / "supergraph.graphql"))


def test_only_introspection_needs_no_fetch(planner: QueryPlanner) -> None:
    plan = planner.plan(parse('{ __typename __type(name: "Student") { name } }'), None)

    assert plan == QueryPlan(node=None, operation_kind="query")


def test_operation_is_picked_by_name(planner: QueryPlanner) -> None:
    document = parse("query A { lessons { title } } query B { leaderboard { period } }")

    plan = planner.plan(document, "B")

    assert isinstance(plan.node, Fetch)
    assert plan.node.service == "analytics"


def test_unknown_operation_name_is_an_error(planner: QueryPlanner) -> None:
    with pytest.raises(PlanningError, match="no operation named 'C'"):
        planner.plan(parse("query A { lessons { title } }"), "C")


def test_ambiguous_operation_without_name_is_an_error(planner: QueryPlanner) -> None:
    with pytest.raises(PlanningError, match="no operation"):
        planner.plan(parse("query A { lessons { title } } query B { lessons { xp } }"), None)


def test_subscriptions_are_not_planned(planner: QueryPlanner) -> None:
    with pytest.raises(PlanningError, match="subscriptions are not supported"):
        planner.plan(parse("subscription { lessons { title } }"), None)


def test_one_planner_serves_many_operations_without_state_leaking(planner: QueryPlanner) -> None:
    profile = parse('{ student(id: "s-1") { name xp } }')
    first = print_plan(planner.plan(profile, None))
    planner.plan(
        parse("{ leaderboard { entries { student { name completions { language } } } } }"), None
    )

    assert print_plan(planner.plan(profile, None)) == first


def test_plans_are_frozen_values(planner: QueryPlanner) -> None:
    document = parse('{ student(id: "s-1") { name xp } }')

    assert planner.plan(document, None) == planner.plan(document, None)
    assert hash(planner.plan(document, None)) == hash(planner.plan(document, None))


def test_field_no_subgraph_can_reach_is_a_planning_error() -> None:
    planner = QueryPlanner(load_supergraph_file(FIXTURES / "unplannable" / "supergraph.graphql"))

    with pytest.raises(PlanningError, match=r"no subgraph can resolve Student\.xp"):
        planner.plan(parse('{ student(id: "s-1") { name xp } }'), None)


def test_reserved_representations_variable_in_an_entity_fetch_is_an_error(
    planner: QueryPlanner,
) -> None:
    document = parse(
        'query($representations: Period!) { student(id: "s-1") { rank(period: $representations) } }'
    )

    with pytest.raises(PlanningError, match=r"\$representations is reserved"):
        planner.plan(document, None)


def test_representations_variable_is_fine_in_root_fetches(planner: QueryPlanner) -> None:
    document = parse(
        "query($representations: Language) { lessons(language: $representations) { id } }"
    )

    plan = planner.plan(document, None)

    assert isinstance(plan.node, Fetch)
    assert plan.node.variable_usages == ("representations",)
