"""The merged graph before printing: each element with the join metadata saying where it lives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from discovery.composition.subgraph import TypeKind


@dataclass(slots=True)
class MergedMetadata:
    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    deprecation: str | None = None
    authenticated: bool = False
    requires_scopes: list[list[str]] | None = None  # a OR of ANDs
    policies: list[list[str]] | None = None
    cost: int | None = None
    list_size: dict[str, object] | None = None


@dataclass(frozen=True, slots=True)
class GraphEntry:
    """One value of `enum join__Graph`: the enum name and the subgraph it stands for."""

    enum_name: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class JoinType:
    graph: str
    key: str | None = None
    extension: bool = False
    resolvable: bool | None = None
    is_interface_object: bool = False


@dataclass(frozen=True, slots=True)
class ContextArgument:
    """One argument a subgraph's field takes from a context (join v0.5 `contextArguments`):
    `context` is the subgraph-qualified name ("reviews__user") and `selection` the text read on
    the type setting it, as the subgraph wrote it after the context's name."""

    context: str
    name: str
    type: str
    selection: str


@dataclass(frozen=True, slots=True)
class JoinField:
    """`graph` is None for a field an @interfaceObject adds to an implementation: no subgraph
    owns it on that type, the query planner reaches it through the interface."""

    graph: str | None
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    # Progressive override (join v0.4): on both the subgraph taking the field over and the one
    # giving it up; which one resolves the field depends on whether a request enables it.
    override_label: str | None = None
    context_arguments: tuple[ContextArgument, ...] = ()


@dataclass(slots=True)
class MergedInputValue:
    name: str
    type: str
    default: str | None
    meta: MergedMetadata
    join_fields: list[JoinField] = field(default_factory=list)


@dataclass(slots=True)
class MergedField:
    name: str
    type: str
    arguments: dict[str, MergedInputValue]
    meta: MergedMetadata
    join_fields: list[JoinField] = field(default_factory=list)


@dataclass(slots=True)
class MergedEnumValue:
    name: str
    meta: MergedMetadata
    graphs: list[str]


@dataclass(slots=True)
class MergedType:
    name: str
    kind: TypeKind
    meta: MergedMetadata
    join_types: list[JoinType] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    join_implements: list[tuple[str, str]] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    join_union_members: list[tuple[str, str]] = field(default_factory=list)
    fields: dict[str, MergedField] = field(default_factory=dict)
    input_fields: dict[str, MergedInputValue] = field(default_factory=dict)
    values: dict[str, MergedEnumValue] = field(default_factory=dict)
    specified_by: str | None = None
    # `@context(name:)`, each qualified by the subgraph setting it ("reviews__user").
    contexts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class MergedSchema:
    graphs: list[GraphEntry]
    types: dict[str, MergedType]

    @property
    def uses_inaccessible(self) -> bool:
        return any(
            _metadata_uses(type_, lambda meta: meta.inaccessible) for type_ in self.types.values()
        )

    @property
    def uses_override_labels(self) -> bool:
        return any(
            join.override_label is not None
            for type_ in self.types.values()
            for field_ in type_.fields.values()
            for join in field_.join_fields
        )

    @property
    def uses_contexts(self) -> bool:
        return any(type_.contexts for type_ in self.types.values())

    @property
    def uses_tag(self) -> bool:
        return any(
            _metadata_uses(type_, lambda meta: bool(meta.tags)) for type_ in self.types.values()
        )

    def uses(self, test: Callable[[MergedMetadata], bool]) -> bool:
        """Does any element's metadata pass `test` (which spec links the supergraph needs)?"""
        return any(_metadata_uses(type_, test) for type_ in self.types.values())


def _metadata_uses(type_: MergedType, test: Callable[[MergedMetadata], bool]) -> bool:
    metas: list[MergedMetadata] = [type_.meta]
    for field_ in type_.fields.values():
        metas.append(field_.meta)
        metas.extend(argument.meta for argument in field_.arguments.values())
    metas.extend(value.meta for value in type_.input_fields.values())
    metas.extend(value.meta for value in type_.values.values())
    return any(test(meta) for meta in metas)
