"""Contextual arguments (`@context` / `@fromContext`, join v0.5 `contextArguments`).

A field argument a subgraph takes from a context is never sent by clients: the gateway reads the
context's selection on the nearest ancestor (in the client's response path) whose type sets that
context, and passes it. `ContextScopes` says, per type, which contexts its objects set for the
fields below them (satisfiability and the planner both ask it); a field with contextual
arguments is reachable only below an ancestor setting each of its contexts.

Planning (`ContextualFields`, a part of the plan builder): a field with contextual arguments is
always resolved through an entity fetch, like a `@requires` field, whose representations are
built after the values are known. For each context, every ancestor position the walk met on the
object's response path that may set it (nearest first) gets the context's selection, walked as
planner-added fields (from whichever subgraphs resolve them), and `__typename`; the fetch sends
the argument as a variable, filled per object by the executor from the nearest ancestor whose
runtime type sets the context, one `_entities` request per distinct set of values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    SelectionSetNode,
    VariableNode,
)

from bff.supergraph import FieldInfo, Supergraph
from bff.supergraph.model import ContextArgument

from .errors import PlanningError
from .nodes import ContextInput, ContextSource
from .positions import Candidate, Position

if TYPE_CHECKING:
    from .fetch_groups import FetchGroup
    from .planner import QueryPlanner

CONTEXT_VARIABLE_PREFIX = "__context_"


class ContextScopes:
    """Which contexts objects of each type set, computed once per supergraph."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self._set_by: dict[str, frozenset[str]] = {}
        self.used = supergraph.uses_contexts

    def set_by(self, type_name: str) -> frozenset[str]:
        """The contexts an object of `type_name` sets: its type's, its interfaces' and its
        unions'; for an abstract type, its own and those every possible type sets."""
        if not self.used:
            return frozenset()
        found = self._set_by.get(type_name)
        if found is None:
            found = self._compute(type_name)
            self._set_by[type_name] = found
        return found

    def _compute(self, type_name: str) -> frozenset[str]:
        types = self.supergraph.types
        schema = self.supergraph.schema
        named = schema.type_map.get(type_name)
        own = set(types[type_name].contexts) if type_name in types else set()
        if isinstance(named, GraphQLObjectType):
            for interface in named.interfaces:
                own.update(self._own(interface.name))
            for candidate in schema.type_map.values():
                if isinstance(candidate, GraphQLUnionType) and named in candidate.types:
                    own.update(self._own(candidate.name))
        elif isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            possible = [self.set_by(t.name) for t in schema.get_possible_types(named)]
            if possible:
                own.update(frozenset.intersection(*possible))
        return frozenset(own)

    def _own(self, type_name: str) -> frozenset[str]:
        info = self.supergraph.types.get(type_name)
        return info.contexts if info is not None else frozenset()

    def setters(self, context: str) -> tuple[str, ...]:
        """The types carrying `@context(name: context)`, sorted."""
        return tuple(
            sorted(name for name, info in self.supergraph.types.items() if context in info.contexts)
        )


def context_arguments(info: FieldInfo, graph: str) -> tuple[ContextArgument, ...]:
    """The arguments `graph` takes from contexts for this field (none for most fields)."""
    join = info.joins.get(graph)
    return join.context_arguments if join is not None else ()


def contexts_needed(info: FieldInfo, graph: str) -> frozenset[str]:
    return frozenset(argument.context for argument in context_arguments(info, graph))


def missing_contexts(info: FieldInfo, graph: str, available: Iterable[str]) -> frozenset[str]:
    """The contexts `graph`'s field needs that no ancestor sets (empty: it can be resolved)."""
    return contexts_needed(info, graph) - frozenset(available)


class ContextualFields:
    """The walk's steps for fields with contextual arguments (a part of the plan builder)."""

    planner: QueryPlanner
    positions_at: dict[tuple[str, ...], list[Position]]

    def record_position(self, pos: Position) -> None:
        """Remembers a client object's position: a context may be read on it later."""
        if pos.group is not None and pos.mirror is None and self.planner.contexts.used:
            self.positions_at.setdefault(pos.path, []).append(pos)

    def contexts_reachable(self, pos: Position, info: FieldInfo, graph: str) -> bool:
        """Whether some ancestor of `pos` may set every context `graph`'s field needs."""
        return all(self._sources_of(pos, context) for context in contexts_needed(info, graph))

    def with_contexts(
        self, pos: Position, info: FieldInfo, candidates: list[Candidate]
    ) -> list[Candidate]:
        """The candidates that can resolve the field here: those whose contexts an ancestor
        of `pos` may set (a subgraph taking no contextual argument always can)."""
        usable = [c for c in candidates if self.contexts_reachable(pos, info, c.graph)]
        if not usable:
            needed = sorted({name for c in candidates for name in contexts_needed(info, c.graph)})
            raise PlanningError(
                f"no plan reaches {info.parent}.{info.name} at {'.'.join(pos.path)}: no "
                f"ancestor there sets the context it needs ({', '.join(needed)})"
            )
        return usable

    def bind_contexts(
        self, pos: Position, target: Position, info: FieldInfo, graph: str, node: FieldNode
    ) -> FieldNode:
        """`node` with each contextual argument bound to a variable of `target`'s fetch, whose
        value the ancestors of `pos` give (their selections are planned here)."""
        assert target.group is not None
        group = target.group
        arguments = list(node.arguments or ())
        for argument in context_arguments(info, graph):
            sources = tuple(
                self._plan_source(ancestor, conditions, argument, pos, group)
                for ancestor, conditions in self._sources_of(pos, argument.context)
            )
            if not sources:
                raise PlanningError(
                    f"no ancestor of {pos.type_name} at {'.'.join(pos.path)} sets the context "
                    f"{argument.context!r} that {info.parent}.{info.name} needs"
                )
            variable = self._variable(group, argument.type, sources)
            arguments.append(
                ArgumentNode(
                    name=NameNode(value=argument.name),
                    value=VariableNode(name=NameNode(value=variable)),
                )
            )
        return replace(node, arguments=tuple(arguments))

    def _sources_of(self, pos: Position, context: str) -> list[tuple[Position, tuple[str, ...]]]:
        """Ancestor positions of `pos` that may set `context` (nearest first), each with the
        types its object must have at runtime to set it. At one path the walk may have met the
        object several times (on an interface, then per implementation): a position whose type
        an earlier one there covers adds nothing."""
        applies = self.planner.applies
        setters = self.planner.contexts.setters(context)
        found: list[tuple[Position, tuple[str, ...]]] = []
        for depth in range(len(pos.path) - 1, -1, -1):
            chosen: list[Position] = []
            for ancestor in self.positions_at.get(pos.path[:depth], ()):
                if any(applies(earlier.type_name, ancestor.type_name) for earlier in chosen):
                    continue
                if any(applies(setter, ancestor.type_name) for setter in setters):
                    conditions: tuple[str, ...] = (ancestor.type_name,)
                else:
                    conditions = tuple(s for s in setters if applies(ancestor.type_name, s))
                if conditions:
                    chosen.append(ancestor)
                    found.append((ancestor, conditions))
        return found

    def _plan_source(
        self,
        ancestor: Position,
        conditions: tuple[str, ...],
        argument: ContextArgument,
        pos: Position,
        group: FetchGroup,
    ) -> ContextSource:
        """Plans the selection on `ancestor` and says how to read it back."""
        assert ancestor.draft is not None
        ancestor.draft.add_field("__typename")
        if conditions == (ancestor.type_name,):
            selections = [argument.selection]
        else:
            selections = [_on_type(setter, argument.selection) for setter in conditions]
        at = replace(ancestor, depth=pos.depth + 1, provided=None)
        required, sink = self.walk_inputs(at, ancestor.type_name, tuple(selections))
        for dependency in (ancestor.group, *sink):
            if dependency is not None and dependency not in group.depends_on:
                group.depends_on.append(dependency)
        return ContextSource(
            depth=len(ancestor.path),
            type_conditions=conditions,
            value=required.to_required_selections(),
        )

    @staticmethod
    def _variable(group: FetchGroup, type_: str, sources: tuple[ContextSource, ...]) -> str:
        for existing in group.contexts:
            if existing.type == type_ and existing.sources == sources:
                return existing.variable
        variable = f"{CONTEXT_VARIABLE_PREFIX}{len(group.contexts)}"
        group.contexts.append(ContextInput(variable, type_, sources))
        return variable


def _on_type(type_name: str, selection: SelectionSetNode) -> SelectionSetNode:
    """`{ ... on type_name <selection> }`."""
    fragment = InlineFragmentNode(
        type_condition=NamedTypeNode(name=NameNode(value=type_name)),
        directives=(),
        selection_set=selection,
    )
    return SelectionSetNode(selections=(fragment,))
