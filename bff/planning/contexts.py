"""Contextual arguments (`@context` / `@fromContext`, join v0.5 `contextArguments`).

A field argument a subgraph takes from a context is never sent by clients: the gateway reads the
context's selection on the nearest ancestor (in the client's response path) whose type sets that
context, and passes it. `ContextScopes` says, per type, which contexts its objects set for the
fields below them (satisfiability and the planner both ask it); a field with contextual
arguments is reachable only below an ancestor setting each of its contexts.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType

from bff.supergraph import FieldInfo, Supergraph
from bff.supergraph.model import ContextArgument


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
