"""Planning selections on interfaces and unions: one inline fragment per runtime type a subgraph
may return, leaves every implementation answers selected once on the interface, and
`@interfaceObject` subgraphs (which know the interface as an object) left for the concrete type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from graphql import FieldNode, SelectionNode

from bff.supergraph import TypeInfo

from .errors import PlanningError
from .positions import Candidate, Position
from .selections import alias_of

if TYPE_CHECKING:
    from .planner import QueryPlanner


class AbstractTypeWalk:
    """The walk's steps for abstract types (a part of the plan builder)."""

    planner: QueryPlanner

    def walk_abstract(
        self, pos: Position, type_info: TypeInfo, selections: Sequence[SelectionNode]
    ) -> None:
        """An interface or union: one inline fragment per runtime type the subgraph may return."""
        assert pos.group is not None and pos.draft is not None
        service = pos.group.service
        pos.draft.add_field("__typename")
        per_type: list[SelectionNode] = []
        for node in selections:
            if isinstance(node, FieldNode) and node.name.value == "__typename":
                pos.draft.add_field("__typename", alias_of(node), directives=node.directives)
            elif (
                isinstance(node, FieldNode)
                and node.selection_set is None
                and pos.mirror is None
                and self.planner.leaf_local_for_all(type_info.name, service, node.name.value)
            ):
                # Every implementation answers this leaf here: select it once, on the interface.
                pos.draft.add_field(
                    node.name.value, alias_of(node), node.arguments, node.directives
                )
            else:
                per_type.append(node)
        for possible in type_info.possible_types.get(service, ()):
            applicable = [
                node
                for node in per_type
                if isinstance(node, FieldNode)
                or self.planner.applies(self.fragment_parts(node)[0] or possible, possible)
            ]
            if not applicable:
                continue
            mirror = pos.mirror.add_fragment(possible) if pos.mirror is not None else None
            inner = replace(
                pos,
                type_name=possible,
                draft=pos.draft.add_fragment(possible),
                mirror=mirror,
                trail=(),
            )
            self.walk(inner, applicable)

    def walk_interface_object(
        self, pos: Position, type_info: TypeInfo, selections: Sequence[SelectionNode]
    ) -> None:
        """An @interfaceObject: its own fields stay; `__typename` and type-specific fragments
        need the concrete type, so they go to a subgraph that has the real interface."""
        assert pos.group is not None
        local: list[SelectionNode] = []
        concrete: list[SelectionNode] = []
        for node in selections:
            if isinstance(node, FieldNode):
                (concrete if node.name.value == "__typename" else local).append(node)
                continue
            type_condition = self.fragment_parts(node)[0]
            (local if type_condition in (None, pos.type_name) else concrete).append(node)
        self.walk_object(pos, local)
        if concrete:
            candidates = [
                graph
                for graph in type_info.graphs
                if graph not in type_info.interface_object_graphs
                and type_info.resolvable_keys(graph)
            ]
            if not candidates:
                raise PlanningError(
                    f"no subgraph resolves the concrete type of interface {type_info.name}"
                )
            target = self.jump(pos, Candidate(candidates[0], type_info.name, None), None)
            self.walk(target, concrete)
