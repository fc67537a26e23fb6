"""Planning selections on interfaces and unions: one inline fragment per runtime type a subgraph
may return, leaves every implementation answers selected once on the interface, and
`@interfaceObject` subgraphs (which know the interface as an object) left for the concrete type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from graphql import (
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    SelectionNode,
    SelectionSetNode,
)

from bff.supergraph import TypeInfo

from .conditions import always_excluded
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
            if always_excluded(node.directives):
                continue
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
        possible_types = type_info.possible_types.get(service, ())
        if not possible_types:
            # No type this subgraph has can be here (an interface it implements nowhere): what
            # is asked of the interface itself is still planned on it, resolved here, fetched
            # elsewhere or refused with the operation, never dropped unasked.
            self.walk_object(pos, per_type)
            return
        for possible in possible_types:
            if pos.members is not None and possible not in pos.members:
                continue  # a member this path is not sure to answer: no fragment for it
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
            )
            self.walk(inner, applicable)

    def walk_interface_object(
        self, pos: Position, type_info: TypeInfo, selections: Sequence[SelectionNode]
    ) -> None:
        """An @interfaceObject: its own fields stay; `__typename` and type-specific fragments
        need the concrete type, so they go to a subgraph that has the real interface (entered
        by the interface's key, before any fetch that needs the concrete type)."""
        assert pos.group is not None
        local, concrete = self.split_interface_object(pos, type_info, selections)
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

    def split_interface_object(
        self, pos: Position, type_info: TypeInfo, selections: Sequence[SelectionNode]
    ) -> tuple[list[SelectionNode], list[SelectionNode]]:
        """(what the `@interfaceObject` subgraph answers, what needs the concrete type), looking
        into fragments on the interface itself (or without a type condition)."""
        local: list[SelectionNode] = []
        concrete: list[SelectionNode] = []
        for node in selections:
            if isinstance(node, FieldNode):
                (concrete if node.name.value == "__typename" else local).append(node)
                continue
            type_condition, directives, inner = self.fragment_parts(node)
            if type_condition in (None, pos.type_name):
                if directives:
                    # Walked again at this object under its conditions (which then guard the
                    # concrete type's fetch too).
                    local.append(node)
                else:
                    inner_local, inner_concrete = self.split_interface_object(pos, type_info, inner)
                    local.extend(inner_local)
                    concrete.extend(inner_concrete)
                continue
            # Interface fields inside a fragment on one implementation are this subgraph's to
            # answer too (for every object; the answer keeps them only for that type): asking
            # the concrete subgraph would send them straight back here, a second fetch.
            here, rest = self.split_here(pos, type_info, inner)
            if not here:
                concrete.append(node)
                continue
            # The fragment's own @skip/@include still guard both parts.
            local.extend([_inline(None, here, directives)] if directives else here)
            if rest:
                concrete.append(_inline(type_condition, rest, directives))
            elif not any(_is_typename(selection) for selection in concrete):
                # The answer keeps those fields only for objects of the fragment's type: which
                # type an object is, only a subgraph with the real interface can say.
                concrete.append(_TYPENAME)
        return local, concrete

    def split_here(
        self, pos: Position, type_info: TypeInfo, selections: Sequence[SelectionNode]
    ) -> tuple[list[SelectionNode], list[SelectionNode]]:
        """(the fields this `@interfaceObject` subgraph answers itself, the rest), looking into
        inline fragments too."""
        here: list[SelectionNode] = []
        rest: list[SelectionNode] = []
        for node in selections:
            if self.answered_here(pos, type_info, node):
                here.append(node)
            elif isinstance(node, InlineFragmentNode):
                inner_here, inner_rest = self.split_here(
                    pos, type_info, node.selection_set.selections
                )
                if not inner_here:
                    rest.append(node)
                    continue
                # Answered here for every object (the answer keeps them for the fragment's
                # type only); the fragment's @skip/@include still guard them.
                directives = tuple(node.directives or ())
                here.extend([_inline(None, inner_here, directives)] if directives else inner_here)
                if inner_rest:
                    condition = node.type_condition.name.value if node.type_condition else None
                    rest.append(_inline(condition, inner_rest, directives))
            else:
                rest.append(node)
        return here, rest

    def answered_here(self, pos: Position, type_info: TypeInfo, node: SelectionNode) -> bool:
        """Whether an `@interfaceObject` position's subgraph resolves this field itself."""
        assert pos.group is not None
        if not isinstance(node, FieldNode) or node.name.value == "__typename":
            return False
        info = type_info.fields.get(node.name.value)
        return info is not None and self.planner.is_local(pos.group.service, type_info.name, info)


_TYPENAME = FieldNode(name=NameNode(value="__typename"))


def _is_typename(node: SelectionNode) -> bool:
    return isinstance(node, FieldNode) and node.name.value == "__typename"


def _inline(
    type_condition: str | None,
    selections: Sequence[SelectionNode],
    directives: tuple[DirectiveNode, ...] = (),
) -> InlineFragmentNode:
    """`... on type_condition @directives { selections }`, for part of a client fragment."""
    return InlineFragmentNode(
        type_condition=NamedTypeNode(name=NameNode(value=type_condition))
        if type_condition
        else None,
        directives=directives,
        selection_set=SelectionSetNode(selections=tuple(selections)),
    )
