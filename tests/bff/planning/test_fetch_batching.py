"""Fetches of one wave to one subgraph combined into one request (fetch_batching.py).

The combined plans themselves are golden (`fixtures/combined-fetches/`, and wherever else a
plan combines); their answers and request counts are checked over HTTP by the features suite.
These tests check what must hold for every plan: combining adds no round trip, fetches nothing
more or less, and sends no more requests; mutations are never combined; the benchmark's deep
query sends 6 requests.
"""

from __future__ import annotations

from collections import Counter

import pytest
from graphql import parse

import bff.planning.planner as planner_module
from bench.workload import FEDERATION_DIR
from bff.planning import QueryPlanner
from bff.planning.nodes import (
    CombinedFetch,
    PlanNode,
    QueryPlan,
    Schedule,
    plan_fetches,
    plan_requests,
)
from tests.bff.planning.golden import GoldenCase, golden_cases, plannable_cases
from tests.bff.planning.test_fetch_merging import bench_planner, round_trips

__all__ = ["bench_planner"]  # the module fixture, shared with the merging tests


def plan_uncombined(
    case: GoldenCase, monkeypatch: pytest.MonkeyPatch, planner: QueryPlanner
) -> QueryPlan:
    with monkeypatch.context() as patch:
        patch.setattr(planner_module, "schedule_combined_fetches", lambda *_: None)
        return planner.plan(parse(case.operation_text), case.operation_name)


def fetched(node: PlanNode | None) -> Counter[tuple[str, tuple[str, ...], str]]:
    return Counter((fetch.service, path, fetch.operation) for path, fetch in plan_fetches(node))


@pytest.mark.parametrize("case", plannable_cases(), ids=lambda case: case.id)
def test_combining_adds_no_round_trip_and_changes_no_fetch(
    case: GoldenCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    planner = QueryPlanner(case.supergraph)
    combined = planner.plan(parse(case.operation_text), case.operation_name)
    separate = plan_uncombined(case, monkeypatch, planner)

    assert round_trips(combined.node) <= round_trips(separate.node)
    assert fetched(combined.node) == fetched(separate.node)
    assert len(list(plan_requests(combined.node))) <= len(list(plan_requests(separate.node)))


def test_uncombined_baseline_is_really_uncombined(monkeypatch: pytest.MonkeyPatch) -> None:
    case = next(case for case in golden_cases() if case.id == "combined-fetches/operation")
    planner = QueryPlanner(case.supergraph)
    combined = planner.plan(parse(case.operation_text), case.operation_name)
    separate = plan_uncombined(case, monkeypatch, planner)

    assert len(list(plan_requests(combined.node))) == 4
    assert len(list(plan_requests(separate.node))) == 6


def test_bench_deep_query_sends_six_requests_in_four_round_trips(
    bench_planner: QueryPlanner,
) -> None:
    document = parse((FEDERATION_DIR / "deep.graphql").read_text(encoding="utf-8"))

    plan = bench_planner.plan(document, None)

    requests = Counter(service for service, _ in plan_requests(plan.node))
    # 13 before combining; Hive's planners send 7 (inventory for the top products apart).
    assert requests == {"accounts": 2, "products": 2, "reviews": 1, "inventory": 1}
    assert round_trips(plan.node) == 4  # as before combining
    assert isinstance(plan.node, Schedule)
    # The authors' names wait for the reviews request only, not for the products request
    # sent beside them.
    (authors,) = (
        step
        for step in plan.node.steps
        if isinstance(step.node, CombinedFetch) and step.node.service == "accounts"
    )
    (before,) = (plan.node.steps[number].node for number in authors.after)
    assert isinstance(before, CombinedFetch) and before.service == "reviews"
    # Inventory for the top products (nothing waits for it) joins the last inventory request,
    # which the response waits for anyway: 4 paths, one part.
    inventory = [node for node in plan_requests(plan.node) if node[0] == "inventory"]
    assert len(inventory) == 1
    assert (
        len([path for path, fetch in plan_fetches(plan.node) if fetch.service == "inventory"]) == 4
    )


def test_a_mutation_is_never_combined() -> None:
    case = next(
        case for case in golden_cases() if case.id == "our-services/operation.mutation-not-combined"
    )
    plan = QueryPlanner(case.supergraph).plan(parse(case.operation_text), case.operation_name)

    analytics = [path for path, fetch in plan_fetches(plan.node) if fetch.service == "analytics"]
    assert analytics == [("first",), ("second",)]
    assert not isinstance(plan.node, Schedule)
    assert [service for service, _ in plan_requests(plan.node)] == [
        "students",
        "analytics",
        "analytics",
    ]


@pytest.mark.parametrize("case", plannable_cases(), ids=lambda case: case.id)
def test_every_combined_request_has_parts_with_distinct_fetches(case: GoldenCase) -> None:
    # Equal fetches at several paths share one part, so an entity met at two paths is sent
    # once; parts of one request never select the same response key.
    plan = QueryPlanner(case.supergraph).plan(parse(case.operation_text), case.operation_name)
    if not isinstance(plan.node, Schedule):
        return
    for step in plan.node.steps:
        if isinstance(step.node, CombinedFetch):
            fetches = [part.fetch for part in step.node.parts]
            assert len(set(fetches)) == len(fetches)
            keys = [part.alias for part in step.node.parts if part.alias]
            keys += [sent for part in step.node.parts for sent, _ in part.keys]
            assert len(set(keys)) == len(keys)


def test_a_request_needing_some_parts_sends_a_document_of_those_parts_built_once() -> None:
    case = next(case for case in golden_cases() if case.id == "combined-fetches/operation.guarded")
    plan = QueryPlanner(case.supergraph).plan(parse(case.operation_text), case.operation_name)
    assert isinstance(plan.node, Schedule)
    (reviews,) = (step.node for step in plan.node.steps if isinstance(step.node, CombinedFetch))

    users_only = reviews.document((0,))

    assert users_only.text == (
        "query($representations0: [_Any!]!) "
        "{ _0: _entities(representations: $representations0) "
        "{ ... on User { reviews { body } } } }"
    )
    assert users_only.variable_usages == ()  # $withProductReviews is only the other part's
    assert reviews.document((0,)) is users_only  # kept: not built again per request
    assert reviews.document((0, 1)).text == reviews.operation
    assert reviews.document((0, 1)).variable_usages == ("withProductReviews",)
