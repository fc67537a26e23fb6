"""The query graph of one supergraph: where an object can be, subgraph by subgraph.

A vertex is an object of some type while a query is in one subgraph. A subgraph's fields are its
edges from a vertex to the vertex of the field's type in that subgraph (with the `@requires`
condition and `@provides` set they carry); key edges move an object to another subgraph through
`_entities` when the key's fields can be collected where the object already is (an
`@interfaceObject` subgraph is entered as the interface); objects of the root query type can be
in every subgraph that has it (root edges).

The graph is built once per supergraph and only read afterwards. The planner asks it which
subgraphs can take over an object and composition's satisfiability check walks it; it imports
nothing beyond graphql-core and the supergraph model, so the registry can use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode

from bff.supergraph import EntityKey, FieldInfo, Supergraph, TypeInfo

from .selections import find_provided


@dataclass(frozen=True, slots=True, order=True)
class Vertex:
    """An object while a query is in subgraph `graph`; `type_name` is the type that subgraph
    knows it as (the interface's name in an `@interfaceObject` subgraph)."""

    graph: str
    type_name: str


@dataclass(frozen=True, slots=True)
class KeyEdge:
    """A way into `head` for objects of `object_type`: `_entities` with `key`'s fields.

    `representation_typename` is set when the head is an `@interfaceObject`: representations
    are then sent with the interface's name.
    """

    object_type: str
    head: Vertex
    key: EntityKey
    representation_typename: str | None = None


@dataclass(frozen=True, slots=True)
class FieldEdge:
    """A field a subgraph resolves at a vertex, leading to `head` (its type in that subgraph)."""

    tail: Vertex
    head: Vertex
    field: FieldInfo
    requires: SelectionSetNode | None
    provides: SelectionSetNode | None


class QueryGraph:
    """The query graph of `supergraph`, built once; its answers are cached as they are asked."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self.types = supergraph.types
        self.subgraph_order = {name: index for index, name in enumerate(supergraph.subgraphs)}
        self._key_edges = {name: self._build_key_edges(info) for name, info in self.types.items()}
        self._reachable: dict[tuple[str, frozenset[Vertex], int], frozenset[Vertex]] = {}
        self._closing: set[tuple[str, frozenset[Vertex], int]] = set()
        self._field_edges: dict[tuple[Vertex, str, str], FieldEdge | None] = {}
        self._local_fields: dict[tuple[str, str, int], bool] = {}

    # Edges.

    def key_edges(self, object_type: str) -> tuple[KeyEdge, ...]:
        """Every key edge into a subgraph for objects of `object_type`, in supergraph order."""
        return self._key_edges.get(object_type, ())

    def _build_key_edges(self, info: TypeInfo) -> tuple[KeyEdge, ...]:
        if not info.is_composite or info.kind == "union":
            return ()
        edges = [
            KeyEdge(info.name, Vertex(graph, info.name), key)
            for graph in info.graphs
            if graph not in info.interface_object_graphs
            for key in info.resolvable_keys(graph)
        ]
        for interface_name in self.interfaces_of(info.name):
            interface = self.types[interface_name]
            edges.extend(
                KeyEdge(info.name, Vertex(graph, interface_name), key, interface_name)
                for graph in sorted(interface.interface_object_graphs, key=self._order)
                for key in interface.resolvable_keys(graph)
            )
        if info.kind == "interface":
            edges.extend(
                KeyEdge(info.name, Vertex(graph, info.name), key, info.name)
                for graph in sorted(info.interface_object_graphs, key=self._order)
                for key in info.resolvable_keys(graph)
            )
        return tuple(edges)

    def field_edge(self, vertex: Vertex, object_type: str, field_name: str) -> FieldEdge | None:
        """The field as `vertex`'s subgraph resolves it for an object of `object_type`, if it
        does (an `@interfaceObject` vertex resolves the interface's fields)."""
        cache_key = (vertex, object_type, field_name)
        if cache_key in self._field_edges:
            return self._field_edges[cache_key]
        edge = None
        info = self.field_info(vertex, object_type, field_name)
        if info is not None and vertex.graph in info.graphs:
            edge = FieldEdge(
                tail=vertex,
                head=Vertex(vertex.graph, info.type_name),
                field=info,
                requires=info.requires_in(vertex.graph),
                provides=info.provides_in(vertex.graph),
            )
        self._field_edges[cache_key] = edge
        return edge

    def field_info(self, vertex: Vertex, object_type: str, field_name: str) -> FieldInfo | None:
        del object_type  # the vertex's own type says which fields its subgraph has
        owner = self.types.get(vertex.type_name)
        return owner.fields.get(field_name) if owner is not None else None

    # Where objects can be.

    def reachable(
        self,
        object_type: str,
        vertices: Iterable[Vertex],
        provided: SelectionSetNode | None = None,
    ) -> frozenset[Vertex]:
        """Every vertex an object of `object_type` at `vertices` can move to through key edges
        whose key fields can be collected from the vertices reached so far, or are in the
        `@provides` set `provided` in effect where the object is (root types: every subgraph
        that has them)."""
        start = frozenset(vertices)
        # Provided sets belong to the supergraph model, so they live as long as this graph.
        cache_key = (object_type, start, id(provided))
        cached = self._reachable.get(cache_key)
        if cached is not None:
            return cached
        if object_type in self._root_types():
            info = self.types[object_type]
            found = frozenset(Vertex(graph, object_type) for graph in info.graphs)
        elif cache_key in self._closing:
            # A key whose fields nest back to this object: no move is assumed from here.
            return start
        else:
            self._closing.add(cache_key)
            try:
                found = self._close(object_type, set(start), provided)
            finally:
                self._closing.discard(cache_key)
        self._reachable[cache_key] = found
        return found

    def _close(
        self, object_type: str, found: set[Vertex], provided: SelectionSetNode | None
    ) -> frozenset[Vertex]:
        edges = [edge for edge in self.key_edges(object_type) if edge.head not in found]
        changed = True
        while changed and edges:
            changed = False
            for edge in list(edges):
                if self.collectable(object_type, found, edge.key.selection, provided):
                    found.add(edge.head)
                    edges.remove(edge)
                    changed = True
        return frozenset(found)

    def collectable(
        self,
        object_type: str,
        vertices: Iterable[Vertex],
        selection: SelectionSetNode,
        provided: SelectionSetNode | None = None,
    ) -> bool:
        """Whether every field of a key or `@requires` set can be read from one of the vertices
        (each top-level field from any of them; its sub-selection from where that subgraph
        returns the field's object, or from where that object moves by its own keys) or from
        the `@provides` set `provided`."""
        vertices = tuple(vertices)
        for node in selection.selections:
            if isinstance(node, InlineFragmentNode):
                if not self.collectable(object_type, vertices, node.selection_set, provided):
                    return False
                continue
            if not isinstance(node, FieldNode) or node.name.value == "__typename":
                continue
            if not any(
                self._collectable_field(vertex, node) for vertex in vertices
            ) and not self.provided_field(provided, object_type, node):
                return False
        return True

    def _collectable_field(self, vertex: Vertex, node: FieldNode) -> bool:
        if self.local_field(vertex.graph, vertex.type_name, node):
            return True
        info = self.supergraph.field(vertex.type_name, node.name.value)
        if (
            info is None
            or node.selection_set is None
            or not self._own_field(vertex.graph, vertex.type_name, info)
        ):
            return False
        # E.g. a key `products { id pid }` where only another subgraph has `pid`: the nested
        # objects are entered there by their own key, as the planner walks key fields.
        head = Vertex(vertex.graph, info.type_name)
        return self.collectable(
            info.type_name, self.reachable(info.type_name, (head,)), node.selection_set
        )

    def provided_field(
        self, provided: SelectionSetNode | None, type_name: str, node: FieldNode
    ) -> bool:
        """Whether a `@provides` set gives a field of a field set (and its sub-selection)."""
        if node.name.value == "__typename":
            return True
        is_provided, below = find_provided(provided, node.name.value, type_name, self.applies)
        if not is_provided or node.selection_set is None:
            return is_provided
        info = self.supergraph.field(type_name, node.name.value)
        return info is not None and all(
            isinstance(child, FieldNode) and self.provided_field(below, info.type_name, child)
            for child in node.selection_set.selections
        )

    def applies(self, type_condition: str, type_name: str) -> bool:
        """Whether a fragment on `type_condition` applies to objects of `type_name`."""
        if type_condition == type_name or type_condition in self.interfaces_of(type_name):
            return True
        condition = self.types.get(type_condition)
        return (
            condition is not None
            and condition.kind == "union"
            and any(type_name in members for members in condition.possible_types.values())
        )

    def local_fields(self, graph: str, type_name: str, selection: SelectionSetNode) -> bool:
        """Whether `graph` itself returns every field of a field set on `type_name`."""
        for node in selection.selections:
            if isinstance(node, InlineFragmentNode):
                condition = node.type_condition.name.value if node.type_condition else type_name
                if not self.local_fields(graph, condition, node.selection_set):
                    return False
            elif isinstance(node, FieldNode) and not self.local_field(graph, type_name, node):
                return False
        return True

    def local_field(self, graph: str, type_name: str, node: FieldNode) -> bool:
        """Whether `graph` itself returns a field of a field set (and its sub-selection)."""
        if node.name.value == "__typename":
            return True
        # Field sets belong to the supergraph model, so their nodes live as long as this graph.
        cache_key = (graph, type_name, id(node))
        cached = self._local_fields.get(cache_key)
        if cached is None:
            info = self.supergraph.field(type_name, node.name.value)
            cached = (
                info is not None
                and self._own_field(graph, type_name, info)
                and (
                    node.selection_set is None
                    or self.local_fields(graph, info.type_name, node.selection_set)
                )
            )
            self._local_fields[cache_key] = cached
        return cached

    def _own_field(self, graph: str, type_name: str, info: FieldInfo) -> bool:
        """Whether `graph` returns the field itself (its sub-selection aside)."""
        return info.available_in(graph) or (
            # Key fields a subgraph leaves unmarked are its own (`@external` ones are not).
            info.join(graph) is None and self.is_key_field(graph, type_name, info.name)
        )

    def is_key_field(self, graph: str, type_name: str, field_name: str) -> bool:
        info = self.types.get(type_name)
        if info is None:
            return False
        return any(
            isinstance(node, FieldNode) and node.name.value == field_name
            for key in info.keys.get(graph, ())
            for node in key.selection.selections
        )

    def possible_types(self, vertex: Vertex) -> tuple[str, ...]:
        """The object types `vertex`'s subgraph may return for an abstract type (none for an
        `@interfaceObject`: its subgraph does not know them)."""
        info = self.types[vertex.type_name]
        if vertex.graph in info.interface_object_graphs:
            return ()
        if info.is_abstract:
            return info.possible_types.get(vertex.graph, ())
        return (vertex.type_name,)

    def interfaces_of(self, type_name: str) -> list[str]:
        """The interfaces `type_name` implements in any subgraph."""
        found: set[str] = set()
        for interfaces in self.types[type_name].implements.values():
            found.update(interfaces)
        return sorted(name for name in found if name in self.types)

    def _root_types(self) -> frozenset[str]:
        return frozenset(
            name
            for name in (self.supergraph.query_type, self.supergraph.mutation_type)
            if name is not None
        )

    def _order(self, graph: str) -> int:
        return self.subgraph_order.get(graph, len(self.subgraph_order))
