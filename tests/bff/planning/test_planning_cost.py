"""Planning cost is bounded: memoized estimates, a step budget, no blow-up with shared types."""

from __future__ import annotations

from functools import cache

import pytest
from graphql import parse

from bff.planning import PlanningError, QueryPlanner, print_plan
from bff.planning.errors import PlanningBudgetExceeded
from bff.supergraph import Supergraph, load_supergraph
from discovery.composition import SubgraphInput, compose

from .golden import FIXTURES

TREE = (FIXTURES / "shared-tree" / "operation.graphql").read_text()
FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable"])\n'
)


@cache
def shared_tree(subgraphs: int) -> Supergraph:
    """`subgraphs` subgraphs sharing a tree of `Node`s, each adding one leaf field `aN`; leaves
    beyond their count are resolved by the last one."""
    inputs = []
    for index in range(1, subgraphs + 1):
        leaves = [f"a{index}: Int"]
        if index == subgraphs:
            leaves += [f"a{n}: Int" for n in range(subgraphs + 1, 11)]
        sdl = FED2 + (
            'type Node @key(fields: "id") { id: ID! @shareable left: Node @shareable '
            f"right: Node @shareable {' '.join(leaves)} }}\n"
            "type Query { root: Node @shareable }"
        )
        inputs.append(SubgraphInput(f"s{index}", f"http://s{index}.local/graphql", sdl))
    result = compose(inputs)
    assert result.ok, result
    return load_supergraph(result.supergraph_sdl)


@pytest.mark.parametrize("subgraphs", [2, 4, 6, 8, 10])
def test_the_shared_tree_plans_in_steps_linear_in_the_subgraphs_sharing_it(subgraphs: int) -> None:
    # ~100 steps per subgraph today; exponential growth would need millions at ten.
    planner = QueryPlanner(shared_tree(subgraphs), max_steps=200 * subgraphs)

    plan = print_plan(planner.plan(parse(TREE)))

    # One root fetch, then one entity fetch per other subgraph, each walking the tree itself.
    assert plan.count("Fetch(") == subgraphs
    assert plan.count('Flatten(path: "root")') == subgraphs - 1


def test_an_operation_over_the_budget_is_refused_with_a_clear_error() -> None:
    planner = QueryPlanner(shared_tree(10), max_steps=50)

    with pytest.raises(PlanningBudgetExceeded) as error:
        planner.plan(parse(TREE))

    assert isinstance(error.value, PlanningError)
    assert str(error.value) == (
        "the operation is too expensive to plan: it needs more than 50 planning steps "
        "(simplify it or split it into several operations)"
    )


def test_the_budget_is_per_operation() -> None:
    planner = QueryPlanner(shared_tree(10), max_steps=2_000)

    first = print_plan(planner.plan(parse(TREE)))

    assert print_plan(planner.plan(parse(TREE))) == first
