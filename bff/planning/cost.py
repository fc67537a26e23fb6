"""The cost estimate the planner chooses subgraphs by: about how many extra fetches a choice needs.

One `CostEstimate` serves one `plan` call. Its answers are memoized per (subgraph, type,
selection set, `@provides` set, look-ahead depth), so resolving a selection from each of n
subgraphs sharing a type costs n estimates per selection set, not n to the power of the depth;
every estimate computed counts against the plan's `PlanningBudget`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from graphql import SelectionNode, SelectionSetNode

from bff.supergraph import FieldInfo

from .errors import PlanningBudgetExceeded
from .query_graph import Vertex
from .selections import Fragments, fields_of, find_provided

if TYPE_CHECKING:
    from .planner import QueryPlanner

# Bounds the estimate's look-ahead (levels of selection below the choice).
ESTIMATE_DEPTH = 4
# The cost of a field no subgraph can reach from here: any other choice is better.
UNREACHABLE = 1000
# Marks in a set of needed subgraphs: a field no subgraph reaches, a fetch of @requires inputs.
_NOWHERE = "!"
_INPUTS = "+"


class PlanningBudget:
    """How many planning steps one operation may take before it is refused."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.used = 0

    def spend(self, steps: int = 1) -> None:
        self.used += steps
        if self.used > self.steps:
            raise PlanningBudgetExceeded(
                f"the operation is too expensive to plan: it needs more than {self.steps} "
                "planning steps (simplify it or split it into several operations)"
            )


class CostEstimate:
    """Memoized estimates over one operation's selections (identified by their AST nodes,
    which live as long as the operation being planned)."""

    def __init__(self, planner: QueryPlanner, fragments: Fragments, budget: PlanningBudget) -> None:
        self.planner = planner
        self.fragments = fragments
        self.budget = budget
        self._memo: dict[tuple[str, str, int, int, int], frozenset[str]] = {}

    def estimate(
        self,
        graph: str,
        type_name: str,
        selections: Sequence[SelectionNode],
        provided: SelectionSetNode | None = None,
        depth: int = 0,
    ) -> int:
        """About how many extra fetches resolving `selections` from `graph` needs: one per other
        subgraph needed below (entity fetches to one subgraph from objects on one chain of
        fields it also resolves become one fetch), many for a field none can resolve."""
        return self.weight(self.needs(graph, type_name, selections, provided, depth))

    @staticmethod
    def weight(needed: frozenset[str]) -> int:
        """The fetches a set of needed subgraphs stands for."""
        return sum(UNREACHABLE if name.startswith(_NOWHERE) else 1 for name in needed)

    def needs(
        self,
        graph: str,
        type_name: str,
        selections: Sequence[SelectionNode],
        provided: SelectionSetNode | None = None,
        depth: int = 0,
    ) -> frozenset[str]:
        """The other subgraphs resolving `selections` from `graph` needs (memoized)."""
        if depth >= ESTIMATE_DEPTH or not selections:
            return frozenset()
        key = (graph, type_name, id(selections), id(provided), depth)
        cached = self._memo.get(key)
        if cached is None:
            self.budget.spend()
            cached = self._memo[key] = self._needs(graph, type_name, selections, provided, depth)
        return cached

    def _needs(
        self,
        graph: str,
        type_name: str,
        selections: Sequence[SelectionNode],
        provided: SelectionSetNode | None,
        depth: int,
    ) -> frozenset[str]:
        planner = self.planner
        type_info = planner.types.get(type_name)
        if type_info is None:
            return frozenset()
        if type_info.is_abstract and graph not in type_info.interface_object_graphs:
            found: set[str] = set()
            for possible in type_info.possible_types.get(graph, ()):
                found |= self.needs(graph, possible, selections, provided, depth)
            return frozenset(found)
        needed: set[str] = set()
        for node in fields_of(selections, self.fragments, type_name, planner.applies):
            if node.name.value == "__typename":
                continue
            info = type_info.fields.get(node.name.value)
            if info is None:
                continue
            sub = node.selection_set.selections if node.selection_set else ()
            is_provided, provided_sub = find_provided(
                provided, info.name, type_name, planner.applies
            )
            if is_provided or planner.is_local(graph, type_name, info):
                nested = provided_sub if is_provided else info.provides_in(graph)
                options = [self.needs(graph, info.type_name, sub, nested, depth + 1)]
                if options[0] and not is_provided and len(info.graphs) > 1:
                    # A shareable field may be cheaper from another subgraph.
                    options.extend(
                        self._through(c.graph, info, sub, depth)
                        for c in planner.candidates(type_name, info)
                        if c.graph != graph
                    )
                needed |= min(options, key=self._weight)
                continue
            # Only subgraphs this object can enter from here (by a key it gives) take it over.
            here = planner.graph.reachable(type_name, (Vertex(graph, type_name),), provided)
            moves = [
                self._through(c.graph, info, sub, depth)
                for c in planner.candidates(type_name, info)
                if Vertex(c.graph, c.entity_type) in here
            ]
            if not moves and info.graphs:
                # A field of a type its subgraphs have no key for: fetched by re-entering an
                # ancestor there.
                moves = [self._through(info.graphs[0], info, sub, depth)]
            needed |= (
                min(moves, key=self._weight) if moves else {f"{_NOWHERE}{type_name}.{info.name}"}
            )
        return frozenset(needed)

    def _through(
        self, graph: str, info: FieldInfo, sub: Sequence[SelectionNode], depth: int
    ) -> frozenset[str]:
        """What resolving a field from `graph` (entered by its key) needs, `graph` included."""
        below = self.needs(graph, info.type_name, sub, info.provides_in(graph), depth + 1)
        inputs = {f"{_INPUTS}{graph}"} if info.requires_in(graph) is not None else set()
        return frozenset({graph, *inputs, *below})

    def _weight(self, needed: frozenset[str]) -> tuple[int, tuple[int, ...]]:
        order = self.planner.graph_order
        return self.weight(needed), tuple(sorted(order.get(name, len(order)) for name in needed))
