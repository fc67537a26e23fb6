"""Planning time of the explosive case: ten subgraphs sharing every field of a tree of `Node`s.

The supergraph and the ~1.3 KB operation are the golden-plan fixture
tests/bff/planning/fixtures/shared-tree (its plan.txt is the plan timed here). Each timing plans
on a fresh planner (an empty plan cache, as a new operation would), after one warm-up plan.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from graphql import parse

from bff.planning import QueryPlanner, print_plan
from bff.supergraph import load_supergraph_file

SHARED_TREE = Path(__file__).parent.parent / "tests/bff/planning/fixtures/shared-tree"


def measure_shared_tree_planning(repeats: int) -> dict[str, Any]:
    """Median and worst milliseconds to plan the shared-tree operation, and the plan's size."""
    supergraph = load_supergraph_file(SHARED_TREE / "supergraph.graphql")
    text = (SHARED_TREE / "operation.graphql").read_text(encoding="utf-8")
    document = parse(text)
    plan = QueryPlanner(supergraph).plan(document)
    samples = []
    for _ in range(max(repeats, 1)):
        planner = QueryPlanner(supergraph)
        started = time.perf_counter()
        planner.plan(document)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "subgraphs": len(supergraph.subgraphs),
        "operationBytes": len(text.encode()),
        "fetches": print_plan(plan).count("Fetch("),
        "planMs": statistics.median(samples),
        "worstPlanMs": max(samples),
        "repeats": len(samples),
    }
