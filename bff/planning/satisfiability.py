"""Satisfiability: every field of the API schema can be reached from a root through the query graph.

The walk follows client paths breadth first. Its state is an object type and every vertex an
object on that path can be at (where the field leading there was resolved, plus what key edges
reach from there), so a field is satisfiable on a path when one of those vertices resolves it
with its `@requires` inputs collectable. Equal states are walked once, which bounds the walk by
the number of distinct (type, vertex set) pairs, not by the number of paths. Composition refuses
a supergraph with unsatisfiable fields; the first (shortest) path to each field is an example
query, used in error messages and by tests that plan every field of a supergraph. A field with
contextual arguments is satisfiable only below ancestors setting its contexts (`contexts.py`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    is_non_null_type,
)
from graphql.pyutils import Undefined
from graphql.type.definition import GraphQLArgument, GraphQLInputType

from .contexts import ContextScopes, missing_contexts
from .query_graph import FieldEdge, QueryGraph, Vertex


@dataclass(frozen=True, slots=True)
class UnsatisfiableField:
    """A field no plan can reach on `example`'s path, and why, subgraph by subgraph."""

    coordinate: str
    example: str
    reasons: tuple[str, ...]
    subgraphs: tuple[str, ...]

    @property
    def message(self) -> str:
        return (
            f"The following supergraph API query:\n{self.example}\n"
            "cannot be satisfied by the subgraphs because:\n" + "\n".join(self.reasons)
        )


@dataclass(slots=True)
class SatisfiabilityReport:
    """`unsatisfiable` fields (in walk order) and, per reachable field, an example operation."""

    unsatisfiable: list[UnsatisfiableField] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.unsatisfiable


@dataclass(frozen=True, slots=True)
class _State:
    """`contexts`: those the object's ancestors on the path set (`@context`)."""

    type_name: str
    vertices: frozenset[Vertex]
    contexts: frozenset[str] = frozenset()


def check_satisfiability(graph: QueryGraph) -> SatisfiabilityReport:
    """Walks every client path of the supergraph's API schema once per distinct state."""
    schema = graph.supergraph.api_schema
    scopes = ContextScopes(graph.supergraph)
    report = SatisfiabilityReport()
    seen: set[_State] = set()
    pending: deque[tuple[_State, tuple[str, ...]]] = deque()
    for keyword, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is None or root.name not in graph.types:
            continue
        vertices = graph.reachable(root.name, ())
        pending.append((_State(root.name, vertices), (keyword,)))
    while pending:
        state, path = pending.popleft()
        if state in seen:
            continue
        seen.add(state)
        named = schema.type_map.get(state.type_name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for name in named.fields:
                _visit_field(graph, schema, scopes, state, name, path, report, pending)
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            for possible in schema.get_possible_types(named):
                inside = frozenset(
                    Vertex(vertex.graph, possible.name)
                    for vertex in state.vertices
                    if possible.name in graph.possible_types(vertex)
                )
                if inside:
                    next_state = _State(
                        possible.name, graph.reachable(possible.name, inside), state.contexts
                    )
                    pending.append((next_state, (*path, f"... on {possible.name}")))
    return report


def _visit_field(
    graph: QueryGraph,
    schema: GraphQLSchema,
    scopes: ContextScopes,
    state: _State,
    name: str,
    path: tuple[str, ...],
    report: SatisfiabilityReport,
    pending: deque[tuple[_State, tuple[str, ...]]],
) -> None:
    coordinate = f"{state.type_name}.{name}"
    step = name + _sample_arguments(schema, state.type_name, name)
    edges = _field_edges(graph, state.type_name, state.vertices, name, state.contexts)
    if edges and graph.types[state.type_name].kind == "interface":
        # The planner may also answer an interface field per implementation (where the
        # subgraph's interface lacks it, or another subgraph is entered by an implementation's
        # key): those paths lead on too.
        for vertex in sorted(state.vertices):
            for possible in graph.possible_types(vertex):
                if possible == state.type_name:
                    continue
                inside = graph.reachable(possible, (Vertex(vertex.graph, possible),))
                edges.extend(_field_edges(graph, possible, inside, name, state.contexts))
    if not edges:
        info = graph.types[state.type_name]
        if info.kind == "interface" and any(graph.possible_types(v) for v in state.vertices):
            # Answered per implementation: the walk checks each of them.
            report.examples.setdefault(
                coordinate, _print_path((*path, step, *_leaf(graph, state, name)))
            )
            return
        if not any(u.coordinate == coordinate for u in report.unsatisfiable):
            report.unsatisfiable.append(_unsatisfiable(graph, state, name, (*path, step)))
        return
    report.examples.setdefault(coordinate, _print_path((*path, step, *_leaf(graph, state, name))))
    field_type = edges[0].field.type_name
    if not _leaf(graph, state, name):
        return
    heads = frozenset(edge.head for edge in edges)
    contexts = state.contexts | scopes.set_by(state.type_name)
    pending.append(
        (_State(field_type, graph.reachable(field_type, heads), contexts), (*path, step))
    )


def _field_edges(
    graph: QueryGraph,
    type_name: str,
    vertices: frozenset[Vertex],
    name: str,
    contexts: frozenset[str],
) -> list[FieldEdge]:
    """The edges of field `name` from `vertices` whose `@requires` inputs and contexts are
    there."""
    return [
        edge
        for vertex in sorted(vertices)
        if (edge := graph.field_edge(vertex, type_name, name)) is not None
        and (edge.requires is None or graph.collectable(type_name, vertices, edge.requires))
        and not missing_contexts(edge.field, vertex.graph, contexts)
    ]


def _leaf(graph: QueryGraph, state: _State, name: str) -> tuple[str, ...]:
    """`__typename` below a composite field, so an example ends on a leaf."""
    info = graph.types[state.type_name].fields[name]
    composite = graph.types.get(info.type_name)
    return ("__typename",) if composite is not None and composite.is_composite else ()


def _unsatisfiable(
    graph: QueryGraph, state: _State, name: str, path: tuple[str, ...]
) -> UnsatisfiableField:
    coordinate = f"{state.type_name}.{name}"
    reasons: list[str] = []
    present = {vertex.graph for vertex in state.vertices}
    resolvers = [
        graph_name
        for graph_name in graph.supergraph.subgraphs
        if any(
            (info := graph.field_info(Vertex(graph_name, type_name), state.type_name, name))
            is not None
            and graph_name in info.graphs
            for type_name in (state.type_name, *graph.interfaces_of(state.type_name))
        )
    ]
    for vertex in sorted(state.vertices, key=lambda v: graph.subgraph_order[v.graph]):
        reasons.append(f'- from subgraph "{vertex.graph}":')
        edge = graph.field_edge(vertex, state.type_name, name)
        if edge is not None and missing_contexts(edge.field, vertex.graph, state.contexts):
            reasons.append(
                f'  - could not find a match for required context for field "{coordinate}".'
            )
        elif edge is not None:
            reasons.append(f'  - cannot satisfy @require conditions on field "{coordinate}".')
        else:
            reasons.append(f'  - cannot find field "{coordinate}".')
        for target in resolvers:
            if target not in present:
                reasons.append(
                    "  - " + _why_not_entered(graph, state.type_name, name, vertex, target)
                )
    return UnsatisfiableField(
        coordinate=coordinate,
        example=_print_path(path),
        reasons=tuple(reasons),
        subgraphs=tuple(resolvers) or tuple(sorted(present)),
    )


def _why_not_entered(
    graph: QueryGraph, type_name: str, name: str, source: Vertex, target: str
) -> str:
    info = graph.types[type_name]
    keys = info.keys.get(target, ())
    where = f'cannot move to subgraph "{target}", which has field "{type_name}.{name}", because'
    if not keys:
        return f'{where} type "{type_name}" has no @key defined in subgraph "{target}".'
    if not info.resolvable_keys(target):
        return (
            f'{where} none of the @key defined on type "{type_name}" in subgraph "{target}" are '
            'resolvable (they are all declared with their "resolvable" argument set to false).'
        )
    fields = ", ".join(f'@key(fields: "{key.fields}")' for key in info.resolvable_keys(target))
    return (
        f'cannot move to subgraph "{target}" using {fields} of "{type_name}", the key field(s) '
        f'cannot be resolved from subgraph "{source.graph}".'
    )


def _print_path(path: tuple[str, ...]) -> str:
    """`("query", "me", "age")` as an indented operation, the way Apollo prints examples."""
    keyword, *steps = path
    lines = ["{"] if keyword == "query" else [f"{keyword} {{"]
    for depth, step in enumerate(steps, start=1):
        last = depth == len(steps)
        lines.append("  " * depth + step + ("" if last else " {"))
    for depth in range(len(steps) - 1, -1, -1):
        lines.append("  " * depth + "}")
    return "\n".join(lines)


def _sample_arguments(schema: GraphQLSchema, type_name: str, field_name: str) -> str:
    """Values for a field's required arguments, so the example is a valid operation."""
    named = schema.type_map.get(type_name)
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return ""
    arguments: dict[str, GraphQLArgument] = named.fields[field_name].args
    required = [
        f"{name}: {_sample_value(argument.type)}"
        for name, argument in arguments.items()
        if is_non_null_type(argument.type) and argument.default_value is Undefined
    ]
    return f"({', '.join(required)})" if required else ""


def _sample_value(type_: GraphQLInputType) -> str:
    if isinstance(type_, GraphQLNonNull):
        return _sample_value(type_.of_type)
    if isinstance(type_, GraphQLList):
        return "[]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        required = [
            f"{name}: {_sample_value(input_field.type)}"
            for name, input_field in type_.fields.items()
            if is_non_null_type(input_field.type)
        ]
        return "{" + ", ".join(required) + "}"
    return {"Int": "0", "Float": "0", "Boolean": "true"}.get(type_.name, '"A"')
