"""A light satisfiability check: each field the supergraph exposes can be resolved somewhere.

Apollo walks every query path through a graph of subgraph jumps. We check the condition that
matters for registrations in practice: for every field of a type reachable from the roots, some
subgraph that resolves the field can be entered at that type, either through a resolvable @key
(an entity fetch) or because its own root fields lead there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from discovery.composition.merge import SubgraphView, in_subgraphs
from discovery.composition.result import CompositionError
from discovery.composition.subgraph import Subgraph, TypeKind
from discovery.composition.supergraph_model import MergedField, MergedSchema
from discovery.composition.type_references import named_type

ROOT_TYPES = ("Query", "Mutation", "Subscription")


def check_satisfiability(
    schema: MergedSchema, views: Sequence[SubgraphView]
) -> list[CompositionError]:
    graph_of = {view.graph: view for view in views}
    enterable = {view.graph: entered_types(view.subgraph) for view in views}
    errors: list[CompositionError] = []
    for type_name in sorted(reachable_types(schema)):
        type_ = schema.types[type_name]
        if type_name in ROOT_TYPES or type_.kind not in (TypeKind.OBJECT, TypeKind.INTERFACE):
            continue
        for field_ in type_.fields.values():
            resolvers = resolving_graphs(field_, type_name, views)
            if resolvers is None or any(type_name in enterable[g] for g in resolvers):
                continue
            names = [graph_of[g].name for g in resolvers]
            errors.append(
                CompositionError(
                    "SATISFIABILITY_ERROR",
                    f'The field "{type_name}.{field_.name}" cannot be resolved: it is only '
                    f'resolved by {in_subgraphs(names)}, where type "{type_name}" has no '
                    "resolvable @key and is not reachable from that subgraph's root fields.",
                    names[0] if names else None,
                )
            )
    return errors


def resolving_graphs(
    field_: MergedField, type_name: str, views: Sequence[SubgraphView]
) -> list[str] | None:
    """The graphs that resolve the field locally; None when it is reached through an
    @interfaceObject, which the interface's own check covers."""
    if field_.join_fields:
        if all(join.graph is None for join in field_.join_fields):
            return None
        return [
            join.graph
            for join in field_.join_fields
            if join.graph is not None and not join.external and not join.used_overridden
        ]
    # No @join__field: every subgraph defining the type resolves the field.
    return [view.graph for view in views if type_name in view.subgraph.types]


def reachable_types(schema: MergedSchema) -> set[str]:
    implementations: dict[str, list[str]] = {}
    for type_ in schema.types.values():
        for interface in type_.interfaces:
            implementations.setdefault(interface, []).append(type_.name)
    return walk(
        [name for name in ROOT_TYPES if name in schema.types],
        lambda name: next_types(
            (f.type for f in schema.types[name].fields.values()),
            schema.types[name].members,
            implementations.get(name, ()),
        ),
        schema.types,
    )


def entered_types(subgraph: Subgraph) -> set[str]:
    """Types a query can be at while in this subgraph: from its roots or its entity keys."""
    implementations: dict[str, list[str]] = {}
    for type_ in subgraph.types.values():
        for interface in type_.interfaces:
            implementations.setdefault(interface, []).append(type_.name)
    entries = [name for name in ROOT_TYPES if name in subgraph.types]
    entries.extend(
        type_.name
        for type_ in subgraph.types.values()
        if any(key.resolvable is not False for key in type_.keys)
    )
    return walk(
        entries,
        lambda name: next_types(
            (f.type for f in subgraph.types[name].fields.values() if not f.external),
            subgraph.types[name].members,
            implementations.get(name, ()),
        ),
        subgraph.types,
    )


def next_types(
    field_types: Iterable[str], members: Iterable[str], implementations: Iterable[str]
) -> list[str]:
    return [named_type(t) for t in field_types] + list(members) + list(implementations)


def walk(
    start: list[str], neighbours: Callable[[str], list[str]], known: Mapping[str, object]
) -> set[str]:
    seen: set[str] = set()
    pending = [name for name in start if name in known]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(n for n in neighbours(name) if n in known and n not in seen)
    return seen
