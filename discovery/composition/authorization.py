"""Authorization requirements (`@authenticated`, `@requiresScopes`, `@policy`) and interfaces,
as Apollo's composition treats them.

A subgraph may not put them on an interface, an interface's field or an `@interfaceObject`
(`AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE`). Instead the supergraph gives an interface what its
implementations require: a field returning the interface may answer any of them, so whoever
reads the interface (or one of its fields) must meet every implementation's requirements
(type-level ones on the interface, field-level ones on the interface's field), combined with
AND as for one element protected in several subgraphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from discovery.composition.result import CompositionError
from discovery.composition.subgraph import Metadata, Subgraph, SubgraphType, TypeKind
from discovery.composition.supergraph_model import MergedMetadata, MergedType

CODE = "AUTH_REQUIREMENTS_APPLIED_ON_INTERFACE"


def check_interface_requirements(subgraph: Subgraph) -> list[CompositionError]:
    """Requirements a subgraph puts on interfaces, their fields or interface objects."""
    errors = []
    for type_ in subgraph.types.values():
        if type_.kind is not TypeKind.INTERFACE:
            continue
        kind = "interface object" if type_.interface_object else "interface"
        places = [(kind, type_.name, type_.meta)]
        if not type_.interface_object:
            places += [
                ("field", f"{type_.name}.{name}", field_.meta)
                for name, field_ in type_.fields.items()
            ]
        for place, coordinate, meta in places:
            for directive in _requirements(meta):
                errors.append(
                    CompositionError(
                        CODE,
                        f'[{subgraph.name}] Invalid use of @{directive} on {place} "{coordinate}": '
                        f"@{directive} cannot be applied on interfaces, interface fields and "
                        "interface objects",
                        subgraph.name,
                        (meta.location,) if meta.location else (),
                    )
                )
    return errors


def require_implementations(
    merged: Mapping[str, MergedType],
    implementations: Mapping[str, set[str]],
    sources_by_name: Mapping[str, Sequence[tuple[object, SubgraphType]]],
) -> None:
    """Adds to each merged interface (and its fields) what its object implementations require
    in any subgraph, and to each implementation's copy of an `@interfaceObject`'s field what
    that field requires."""
    _carry_interface_object_fields(merged, implementations, sources_by_name)
    for interface in merged.values():
        if interface.kind is not TypeKind.INTERFACE:
            continue
        objects = [
            source
            for name in sorted(implementations.get(interface.name, ()))
            for _, source in sources_by_name.get(name, ())
            if source.kind is TypeKind.OBJECT
        ]
        _require_also(interface.meta, (source.meta for source in objects))
        for name, merged_field in interface.fields.items():
            metas = (
                source.fields[name].meta
                for source in objects
                if name in source.fields and not source.fields[name].external
            )
            _require_also(merged_field.meta, metas)


def _carry_interface_object_fields(
    merged: Mapping[str, MergedType],
    implementations: Mapping[str, set[str]],
    sources_by_name: Mapping[str, Sequence[tuple[object, SubgraphType]]],
) -> None:
    # A subgraph's @interfaceObject adds fields to every implementation (which no subgraph
    # defines there): their requirements go with them, and to the implementations' other
    # interfaces that have the field.
    for interface_name, sources in sources_by_name.items():
        for _, source in sources:
            if not source.interface_object:
                continue
            for name, field_ in source.fields.items():
                if field_.external or not _requirements(field_.meta):
                    continue
                for implementation in sorted(implementations.get(interface_name, ())):
                    target = merged.get(implementation)
                    if target is None or target.kind is not TypeKind.OBJECT:
                        continue
                    reached = [target.name] + [i for i in target.interfaces if i != interface_name]
                    for type_name in reached:
                        carrier = merged.get(type_name)
                        if carrier is not None and name in carrier.fields:
                            _require_also(carrier.fields[name].meta, (field_.meta,))


def _requirements(meta: Metadata) -> list[str]:
    found = ["authenticated"] if meta.authenticated else []
    if meta.requires_scopes:
        found.append("requiresScopes")
    if meta.policies:
        found.append("policy")
    return found


def _require_also(merged: MergedMetadata, metas: Iterable[Metadata]) -> None:
    scopes = [merged.requires_scopes] if merged.requires_scopes else []
    policies = [merged.policies] if merged.policies else []
    for meta in metas:
        merged.authenticated = merged.authenticated or meta.authenticated
        scopes.extend(meta.requires_scopes)
        policies.extend(meta.policies)
    merged.requires_scopes = all_of(scopes)
    merged.policies = all_of(policies)


def all_of(applications: list[list[list[str]]]) -> list[list[str]] | None:
    """The AND of several OR-of-ANDs, as one OR-of-ANDs (sorted, without repeats)."""
    if not applications:
        return None
    combined: set[frozenset[str]] = {frozenset()}
    for alternatives in applications:
        combined = {done | frozenset(option) for done in combined for option in alternatives}
    return sorted((sorted(option) for option in combined), key=lambda option: (len(option), option))
