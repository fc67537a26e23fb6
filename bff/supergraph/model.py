"""The supergraph model: which subgraphs resolve each type and field, keys, requires, provides.

Built once per supergraph by `load_supergraph`; the planner reads it on every cache miss, so
everything it asks for is precomputed here (resolving graphs per field, keys per graph, possible
runtime types per graph).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from graphql import GraphQLSchema, SelectionSetNode

TypeKind = Literal["object", "interface", "union", "enum", "scalar", "input"]


@dataclass(frozen=True, slots=True)
class SubgraphInfo:
    """One subgraph as the supergraph names it: `@join__graph(name:, url:)`."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class EntityKey:
    """One `@join__type(key:)` of a type in one subgraph; `selection` is the parsed field set."""

    graph: str
    fields: str
    selection: SelectionSetNode
    resolvable: bool = True


@dataclass(frozen=True, slots=True)
class ContextArgument:
    """An argument one subgraph's field takes from a context (join v0.5 `contextArguments`):
    the gateway reads `selection` on the nearest ancestor whose type sets `context` (a
    subgraph-qualified name, "reviews__user") and passes it as the argument `name`."""

    name: str
    context: str
    type: str
    selection: SelectionSetNode


@dataclass(frozen=True, slots=True)
class FieldJoin:
    """What one subgraph says about one field (`@join__field`)."""

    graph: str
    requires: SelectionSetNode | None = None
    provides: SelectionSetNode | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    # The named type the field has in this subgraph when it differs from the supergraph's
    # (`@join__field(type:)`, e.g. "Dog" where the supergraph says "Animal").
    local_type: str | None = None
    # The whole type as this subgraph declares it (`@join__field(type: "[Dog!]")`), if given.
    local_type_ref: str | None = None

    # Progressive override (join v0.5 `overrideLabel`, e.g. "percent(20)"): on the subgraph
    # taking the field over (`override` set) it resolves the field when the label is enabled
    # for a request; on the subgraph giving it up, when the label is not.
    override_label: str | None = None
    context_arguments: tuple[ContextArgument, ...] = ()

    @property
    def resolves(self) -> bool:
        """Whether the subgraph answers this field for clients (not only as key or input), with
        no progressive override label enabled."""
        return self.resolves_with(frozenset())

    def resolves_with(self, enabled_labels: frozenset[str]) -> bool:
        """`resolves`, for a request with these override labels enabled."""
        if self.external or self.used_overridden:
            return False
        if self.override_label is None:
            return True
        taking_over = self.override is not None
        return (self.override_label in enabled_labels) is taking_over


@dataclass(slots=True)
class FieldInfo:
    """A field of an object or interface type in the supergraph.

    `graphs` lists the subgraphs that resolve the field, in supergraph order; `joins` keeps the
    per-subgraph details. `type_name` is the named output type and `list_depth` how many list
    levels wrap it (the planner adds one "@" per level to paths).
    """

    parent: str
    name: str
    type_name: str
    list_depth: int
    graphs: tuple[str, ...]
    joins: Mapping[str, FieldJoin]
    inaccessible: bool = False
    # The printed output type in the supergraph ("[ID!]!").
    type_ref: str = ""

    def join(self, graph: str) -> FieldJoin | None:
        return self.joins.get(graph)

    def requires_in(self, graph: str) -> SelectionSetNode | None:
        join = self.joins.get(graph)
        return join.requires if join else None

    def provides_in(self, graph: str) -> SelectionSetNode | None:
        join = self.joins.get(graph)
        return join.provides if join else None

    def type_in(self, graph: str) -> str:
        """The field's named type as `graph` declares it."""
        join = self.joins.get(graph)
        return join.local_type if join is not None and join.local_type else self.type_name

    def type_ref_in(self, graph: str) -> str:
        """The field's whole output type as `graph` declares it."""
        join = self.joins.get(graph)
        return join.local_type_ref if join is not None and join.local_type_ref else self.type_ref

    def available_in(self, graph: str) -> bool:
        """Whether the subgraph can return the field at all (used for keys and required fields)."""
        join = self.joins.get(graph)
        if join is None:
            return graph in self.graphs
        return not join.external


@dataclass(slots=True)
class TypeInfo:
    """A named type of the supergraph and how subgraphs share it.

    - `graphs`: subgraphs defining the type (`@join__type`), in supergraph order.
    - `keys`: entity keys per subgraph (all of them, resolvable or not).
    - `interface_object_graphs`: subgraphs where this interface is an `@interfaceObject`.
    - `implements`: per subgraph, the interfaces this type implements there.
    - `possible_types`: for interfaces and unions, per subgraph, the object types that subgraph
      may return for it (sorted by name for determinism).
    - `enum_values`: for enums, the subgraphs defining each value (`@join__enumValue`).
    """

    name: str
    kind: TypeKind
    graphs: tuple[str, ...]
    keys: Mapping[str, tuple[EntityKey, ...]] = field(default_factory=dict)
    fields: Mapping[str, FieldInfo] = field(default_factory=dict)
    interface_object_graphs: frozenset[str] = frozenset()
    implements: Mapping[str, frozenset[str]] = field(default_factory=dict)
    possible_types: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    enum_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    inaccessible: bool = False
    # `@context(name:)`: the contexts objects of this type set for the fields below them.
    contexts: frozenset[str] = frozenset()

    @property
    def is_abstract(self) -> bool:
        return self.kind in ("interface", "union")

    @property
    def is_composite(self) -> bool:
        return self.kind in ("object", "interface", "union")

    def graphs_for(self, field_info: FieldInfo) -> tuple[str, ...]:
        """The subgraphs with a `@join__field` for one of this type's fields, in supergraph
        order."""
        return tuple(graph for graph in self.graphs if graph in field_info.joins)

    def resolvable_keys(self, graph: str) -> tuple[EntityKey, ...]:
        """Keys a subgraph accepts in `_entities` representations of this type."""
        return tuple(key for key in self.keys.get(graph, ()) if key.resolvable)


@dataclass(slots=True)
class Supergraph:
    """A loaded supergraph: the API schema for clients and the model for the planner.

    `schema` is the whole supergraph schema (including `@inaccessible` elements, which the
    planner may still need for keys and required fields); `api_schema` is what clients see.
    """

    version: int | None
    sdl: str
    schema: GraphQLSchema
    api_schema: GraphQLSchema
    subgraphs: Mapping[str, SubgraphInfo]
    types: Mapping[str, TypeInfo]
    query_type: str | None
    mutation_type: str | None
    subscription_type: str | None = None

    def type(self, name: str) -> TypeInfo:
        return self.types[name]

    @property
    def uses_contexts(self) -> bool:
        return any(info.contexts for info in self.types.values())

    @property
    def override_labels(self) -> frozenset[str]:
        """Every progressive `@override` label of the supergraph."""
        return frozenset(
            join.override_label
            for info in self.types.values()
            for field_info in info.fields.values()
            for join in field_info.joins.values()
            if join.override_label is not None
        )

    def with_override_labels(self, enabled: frozenset[str]) -> Supergraph:
        """This supergraph as a request with `enabled` override labels sees it: each labelled
        field resolved by the subgraph the labels give it to (the model is otherwise shared)."""
        if not enabled:
            return self
        types: dict[str, TypeInfo] = dict(self.types)
        for name, info in self.types.items():
            changed = {
                field_name: dataclasses.replace(
                    field_info,
                    graphs=tuple(
                        graph
                        for graph in info.graphs_for(field_info)
                        if field_info.joins[graph].resolves_with(enabled)
                    ),
                )
                for field_name, field_info in info.fields.items()
                if any(join.override_label for join in field_info.joins.values())
            }
            if changed:
                types[name] = dataclasses.replace(info, fields={**info.fields, **changed})
        return dataclasses.replace(self, types=types)

    def field(self, type_name: str, field_name: str) -> FieldInfo | None:
        info = self.types.get(type_name)
        return info.fields.get(field_name) if info else None
