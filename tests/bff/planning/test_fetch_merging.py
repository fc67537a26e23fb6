"""Merging an entity fetch into a later one to the same subgraph and path (fetch_merging.py).

The merged plans themselves are golden (`fixtures/requires/plan.merged*.txt`); these tests check
what must hold for every plan: merging never adds a round trip, and the benchmark's deep query
sends one inventory fetch per product level.
"""

from __future__ import annotations

from collections import Counter

import pytest
from graphql import parse

import bff.planning.planner as planner_module
from bench.workload import FEDERATION_DIR, federation_subgraphs
from bff.planning import QueryPlanner
from bff.planning.fetch_groups import FetchGroup
from bff.planning.nodes import (
    CombinedFetch,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    Schedule,
    Sequence,
    plan_fetches,
)
from bff.supergraph import load_supergraph
from discovery.composition import CompositionSuccess, SubgraphInput, compose
from tests.bff.planning.golden import GoldenCase, golden_cases, plannable_cases


def round_trips(node: PlanNode | None) -> int:
    """The longest chain of fetches that must run one after another."""
    match node:
        case None:
            return 0
        case Fetch():
            return 1
        case Flatten():
            return round_trips(node.node)
        case Sequence():
            return sum(round_trips(child) for child in node.nodes)
        case Parallel():
            return max(round_trips(child) for child in node.nodes)
        case CombinedFetch():
            return 1
        case Schedule():
            depths: list[int] = []
            for step in node.steps:
                depths.append(
                    round_trips(step.node) + max((depths[i] for i in step.after), default=0)
                )
            return max(depths)


def plan_unmerged(
    case: GoldenCase, monkeypatch: pytest.MonkeyPatch, planner: QueryPlanner
) -> QueryPlan:
    with monkeypatch.context() as patch:
        patch.setattr(planner_module, "merge_waiting_fetches", _unchanged)
        return planner.plan(parse(case.operation_text), case.operation_name)


def _unchanged(groups: list[FetchGroup]) -> list[FetchGroup]:
    return groups


@pytest.mark.parametrize("case", plannable_cases(), ids=lambda case: case.id)
def test_merging_adds_no_round_trip_and_no_fetch(
    case: GoldenCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    planner = QueryPlanner(case.supergraph)
    merged = planner.plan(parse(case.operation_text), case.operation_name)
    unmerged = plan_unmerged(case, monkeypatch, planner)

    assert round_trips(merged.node) <= round_trips(unmerged.node)
    assert len(list(plan_fetches(merged.node))) <= len(list(plan_fetches(unmerged.node)))


def test_unmerged_baseline_is_really_unmerged(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without this, a patch that stopped taking effect would compare each plan with itself.
    case = next(case for case in golden_cases() if case.id == "requires/operation.merged")
    planner = QueryPlanner(case.supergraph)
    merged = planner.plan(parse(case.operation_text), case.operation_name)
    unmerged = plan_unmerged(case, monkeypatch, planner)

    assert len(list(plan_fetches(merged.node))) < len(list(plan_fetches(unmerged.node)))


@pytest.fixture(scope="module")
def bench_planner() -> QueryPlanner:
    result = compose(
        [
            SubgraphInput(source.name, f"http://{source.name}.local/graphql", source.sdl)
            for source in federation_subgraphs()
        ]
    )
    assert isinstance(result, CompositionSuccess)
    return QueryPlanner(load_supergraph(result.supergraph_sdl))


def test_bench_deep_query_fetches_inventory_once_per_product_level(
    bench_planner: QueryPlanner,
) -> None:
    document = parse((FEDERATION_DIR / "deep.graphql").read_text(encoding="utf-8"))

    plan = bench_planner.plan(document, None)

    per_service_and_path = Counter((fetch.service, path) for path, fetch in plan_fetches(plan.node))
    assert sum(per_service_and_path.values()) == 13  # 16 before merging
    assert max(per_service_and_path.values()) == 1
    inventory = [
        fetch.operation for _, fetch in plan_fetches(plan.node) if fetch.service == "inventory"
    ]
    assert len(inventory) == 4
    assert all("inStock shippingEstimate" in operation for operation in inventory)
