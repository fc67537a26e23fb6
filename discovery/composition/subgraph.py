"""One subgraph SDL read into a federation-aware model, with the federation internals stripped."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from graphql import GraphQLError, parse
from graphql.language import (
    ConstDirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    ExecutableDefinitionNode,
    FieldDefinitionNode,
    FieldNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    Node,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationDefinitionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    print_ast,
)
from graphql.utilities import value_from_ast_untyped

from discovery.composition.federation import (
    IGNORED_DIRECTIVES,
    INTERNAL_QUERY_FIELDS,
    FederationNames,
    is_internal_type,
)
from discovery.composition.result import CompositionError, SourceLocation, SubgraphInput
from discovery.composition.type_references import named_type, type_reference

NEWLINE = re.compile(r"\r\n|[\n\r]")
BUILT_IN_SCALARS = frozenset({"Int", "Float", "String", "Boolean", "ID"})
ROOT_TYPE_NAMES = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


class TypeKind(StrEnum):
    OBJECT = "type"
    INTERFACE = "interface"
    UNION = "union"
    ENUM = "enum"
    INPUT_OBJECT = "input"
    SCALAR = "scalar"


COMPOSITE_KINDS = (TypeKind.OBJECT, TypeKind.INTERFACE, TypeKind.UNION)

KIND_OF_NODE: dict[type[Node], TypeKind] = {
    ObjectTypeDefinitionNode: TypeKind.OBJECT,
    ObjectTypeExtensionNode: TypeKind.OBJECT,
    InterfaceTypeDefinitionNode: TypeKind.INTERFACE,
    InterfaceTypeExtensionNode: TypeKind.INTERFACE,
    UnionTypeDefinitionNode: TypeKind.UNION,
    UnionTypeExtensionNode: TypeKind.UNION,
    EnumTypeDefinitionNode: TypeKind.ENUM,
    EnumTypeExtensionNode: TypeKind.ENUM,
    InputObjectTypeDefinitionNode: TypeKind.INPUT_OBJECT,
    InputObjectTypeExtensionNode: TypeKind.INPUT_OBJECT,
    ScalarTypeDefinitionNode: TypeKind.SCALAR,
    ScalarTypeExtensionNode: TypeKind.SCALAR,
}


@dataclass(slots=True)
class Metadata:
    """What every schema element can carry into the supergraph besides its shape."""

    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    deprecation: str | None = None
    location: SourceLocation | None = None
    authenticated: bool = False
    # Each @requiresScopes / @policy application: a OR of ANDs ([["a", "b"], ["c"]]).
    requires_scopes: list[list[list[str]]] = field(default_factory=list)
    policies: list[list[list[str]]] = field(default_factory=list)
    cost: int | None = None
    list_size: dict[str, object] | None = None


@dataclass(slots=True)
class SubgraphArgument:
    """An argument of a field, or a field of an input type (both are input values)."""

    name: str
    type: str
    default: str | None
    meta: Metadata
    # `@fromContext(field:)`: "$context { selection }", the value the gateway passes.
    from_context: str | None = None


@dataclass(slots=True)
class SubgraphField:
    name: str
    type: str
    arguments: dict[str, SubgraphArgument]
    meta: Metadata
    external: bool = False
    shareable: bool = False
    requires: str | None = None
    provides: str | None = None
    override_from: str | None = None
    override_label: str | None = None


@dataclass(slots=True)
class SubgraphEnumValue:
    name: str
    meta: Metadata


@dataclass(slots=True)
class SubgraphKey:
    fields: str
    resolvable: bool | None
    extension: bool
    location: SourceLocation | None


@dataclass(slots=True)
class SubgraphType:
    name: str
    kind: TypeKind
    meta: Metadata
    fields: dict[str, SubgraphField] = field(default_factory=dict)
    input_fields: dict[str, SubgraphArgument] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, SubgraphEnumValue] = field(default_factory=dict)
    keys: list[SubgraphKey] = field(default_factory=list)
    interface_object: bool = False
    extends: bool = False
    specified_by: str | None = None
    # `@context(name:)` applications: the contexts this type sets for the fields below it.
    contexts: list[SubgraphContext] = field(default_factory=list)


@dataclass(slots=True)
class SubgraphContext:
    name: str
    location: SourceLocation | None


@dataclass(slots=True)
class Subgraph:
    name: str
    url: str
    is_federation2: bool
    types: dict[str, SubgraphType]
    # Federation directives used here that composition drops (they only inform tooling).
    ignored_directives: tuple[str, ...] = ()


@lru_cache(maxsize=512)
def parse_sdl(sdl: str) -> DocumentNode:
    """Parsed once per distinct text: the registry re-composes mostly unchanged SDLs on every
    registration. The document is only read, never changed, so sharing it is safe."""
    return parse(sdl)


def read_subgraph(subgraph: SubgraphInput) -> Subgraph | list[CompositionError]:
    """Parses and checks one subgraph SDL; SDL mistakes come back as INVALID_GRAPHQL errors."""
    try:
        document = parse_sdl(subgraph.sdl)
    except GraphQLError as error:
        return [
            CompositionError(
                "INVALID_GRAPHQL",
                f"[{subgraph.name}] Invalid GraphQL SDL: {error.message}",
                subgraph.name,
                tuple(SourceLocation(x.line, x.column) for x in error.locations or ()),
            )
        ]
    return SubgraphReader(subgraph, document).read()


class SubgraphReader:
    """Folds a parsed SDL (definitions and extensions) into a `Subgraph`."""

    def __init__(self, subgraph: SubgraphInput, document: DocumentNode) -> None:
        self.subgraph = subgraph
        self.document = document
        self.names = FederationNames.of(document)
        self.errors: list[CompositionError] = []
        self.types: dict[str, SubgraphType] = {}
        self.renamed_roots: dict[str, str] = {}
        self.ignored: set[str] = set()
        self.external_types: set[str] = set()
        self.line_starts = [0] + [m.end() for m in NEWLINE.finditer(subgraph.sdl)]

    def read(self) -> Subgraph | list[CompositionError]:
        self._read_root_names()
        defined: set[str] = set()
        for definition in self.document.definitions:
            if isinstance(definition, ExecutableDefinitionNode):
                self._error("Operations and fragments do not belong in a schema SDL", definition)
                continue
            if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
                name = definition.name.value
                if is_internal_type(name):
                    continue
                if isinstance(definition, TypeDefinitionNode):
                    if name in defined:
                        self._error(f'There can be only one type named "{name}"', definition)
                        continue
                    defined.add(name)
                self._read_type(definition)
        self._check_root_types()
        self.types.setdefault("Query", SubgraphType("Query", TypeKind.OBJECT, Metadata()))
        # Unlike @shareable, a type-level @external covers the whole type, as in Apollo.
        for name in self.external_types:
            for field_ in self.types[name].fields.values():
                field_.external = True
        self._check_references()
        self._normalize_federation1()
        if self.errors:
            return self.errors
        return Subgraph(
            self.subgraph.name,
            self.subgraph.url,
            self.names.is_federation2,
            self.types,
            tuple(sorted(self.ignored)),
        )

    def _check_root_types(self) -> None:
        named = {
            d.name.value
            for d in self.document.definitions
            if isinstance(d, TypeDefinitionNode | TypeExtensionNode)
        }
        for original, canonical in self.renamed_roots.items():
            if original not in named:
                self.errors.append(
                    CompositionError(
                        "INVALID_GRAPHQL",
                        f'[{self.subgraph.name}] The {canonical.lower()} root type "{original}" '
                        "is not defined",
                        self.subgraph.name,
                    )
                )

    def _read_root_names(self) -> None:
        for definition in self.document.definitions:
            if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
                for operation in definition.operation_types or ():
                    canonical = ROOT_TYPE_NAMES[operation.operation.value]
                    if operation.type.name.value != canonical:
                        self.renamed_roots[operation.type.name.value] = canonical

    def _rename(self, reference: str) -> str:
        name = named_type(reference)
        renamed = self.renamed_roots.get(name)
        return reference.replace(name, renamed) if renamed else reference

    def _read_type(self, node: TypeDefinitionNode | TypeExtensionNode) -> None:
        name = self._rename(node.name.value)
        kind = KIND_OF_NODE[type(node)]
        is_extension = isinstance(node, TypeExtensionNode)
        directives = self._federation_directives(node.directives)
        if kind is TypeKind.OBJECT and "interfaceObject" in directives:
            # An @interfaceObject is this subgraph's view of an interface defined elsewhere.
            kind = TypeKind.INTERFACE
        target = self.types.get(name)
        if target is None:
            target = SubgraphType(name, kind, Metadata())
            self.types[name] = target
        elif target.kind is not kind:
            self._error(f'Type "{name}" is defined as both {target.kind} and {kind}', node)
            return
        if not is_extension or target.meta.location is None:
            target.meta.location = self._location(node.name)
        self._read_metadata(target.meta, node, directives)
        target.interface_object = target.interface_object or "interfaceObject" in directives
        target.extends = target.extends or "extends" in directives
        # Federation 1 subgraphs wrote `extend type` for entities owned elsewhere; Apollo reads
        # those as plain definitions, so only Federation 2 extensions mark keys as extensions.
        key_on_extension = is_extension and self.names.is_federation2
        for key in directives.get("key", []):
            arguments = self._arguments(key)
            fields = arguments.get("fields")
            if not isinstance(fields, str):
                self._error(f'@key on "{name}" needs a "fields" string', key)
                continue
            resolvable = arguments.get("resolvable")
            target.keys.append(
                SubgraphKey(
                    fields,
                    resolvable if isinstance(resolvable, bool) else None,
                    key_on_extension,
                    self._location(key),
                )
            )
        for applied in directives.get("context", []):
            context_name = self._arguments(applied).get("name")
            if isinstance(context_name, str):
                target.contexts.append(SubgraphContext(context_name, self._location(applied)))
            else:
                self._error(f'@context on "{name}" needs a "name" string', applied)
        for directive in node.directives or ():
            if directive.name.value == "specifiedBy":
                url = self._arguments(directive).get("url")
                target.specified_by = url if isinstance(url, str) else None
        type_shareable = "shareable" in directives or not self.names.is_federation2
        if "external" in directives:
            self.external_types.add(name)
        for interface in getattr(node, "interfaces", None) or ():
            target.interfaces.append(self._rename(interface.name.value))
        for member in getattr(node, "types", None) or ():
            target.members.append(self._rename(member.name.value))
        for value in getattr(node, "values", None) or ():
            meta = Metadata()
            self._read_metadata(meta, value, self._federation_directives(value.directives))
            target.values[value.name.value] = SubgraphEnumValue(value.name.value, meta)
        for field_node in getattr(node, "fields", None) or ():
            if isinstance(field_node, InputValueDefinitionNode):
                self._add_unique(target.input_fields, self._argument(field_node), name, field_node)
                continue
            if name == "Query" and field_node.name.value in INTERNAL_QUERY_FIELDS:
                continue
            self._add_unique(
                target.fields,
                self._field(field_node, type_shareable),
                name,
                field_node,
            )

    def _add_unique(
        self,
        fields: dict[str, SubgraphField] | dict[str, SubgraphArgument],
        value: SubgraphField | SubgraphArgument,
        type_name: str,
        node: Node,
    ) -> None:
        if value.name in fields:
            self._error(f'Field "{type_name}.{value.name}" can only be defined once', node)
        else:
            fields[value.name] = value  # type: ignore[assignment]

    def _field(self, node: FieldDefinitionNode, type_shareable: bool) -> SubgraphField:
        directives = self._federation_directives(node.directives)
        meta = Metadata()
        self._read_metadata(meta, node, directives)
        built = SubgraphField(
            node.name.value,
            self._rename(type_reference(node.type)),
            {argument.name.value: self._argument(argument) for argument in node.arguments or ()},
            meta,
            external="external" in directives,
            shareable=type_shareable or "shareable" in directives,
        )
        for canonical in ("requires", "provides"):
            if canonical in directives:
                fields = self._arguments(directives[canonical][0]).get("fields")
                setattr(built, canonical, fields if isinstance(fields, str) else "")
        if "override" in directives:
            arguments = self._arguments(directives["override"][0])
            source, label = arguments.get("from"), arguments.get("label")
            built.override_from = source if isinstance(source, str) else None
            built.override_label = label if isinstance(label, str) else None
        return built

    def _argument(self, node: InputValueDefinitionNode) -> SubgraphArgument:
        meta = Metadata()
        directives = self._federation_directives(node.directives)
        self._read_metadata(meta, node, directives)
        default = print_ast(node.default_value) if node.default_value is not None else None
        from_context = None
        for applied in directives.get("fromContext", []):
            value = self._arguments(applied).get("field")
            from_context = value if isinstance(value, str) else ""
        return SubgraphArgument(
            node.name.value, self._rename(type_reference(node.type)), default, meta, from_context
        )

    def _read_metadata(
        self,
        meta: Metadata,
        node: Node,
        directives: dict[str, list[ConstDirectiveNode]],
    ) -> None:
        description = getattr(node, "description", None)
        if description is not None and meta.description is None:
            meta.description = description.value
        if "inaccessible" in directives:
            meta.inaccessible = True
        for tag in directives.get("tag", []):
            tag_name = self._arguments(tag).get("name")
            if isinstance(tag_name, str) and tag_name not in meta.tags:
                meta.tags.append(tag_name)
        if "authenticated" in directives:
            meta.authenticated = True
        for canonical, argument, into in (
            ("requiresScopes", "scopes", meta.requires_scopes),
            ("policy", "policies", meta.policies),
        ):
            for applied in directives.get(canonical, []):
                into.append(_alternatives(self._arguments(applied).get(argument)))
        for applied in directives.get("cost", []):
            weight = self._arguments(applied).get("weight")
            if isinstance(weight, int):
                meta.cost = max(weight, meta.cost or weight)
        for applied in directives.get("listSize", []):
            meta.list_size = self._arguments(applied)
        for directive in getattr(node, "directives", None) or ():
            if directive.name.value == "deprecated":
                reason = self._arguments(directive).get("reason")
                meta.deprecation = reason if isinstance(reason, str) else "No longer supported"
        if meta.location is None and getattr(node, "name", None) is not None:
            meta.location = self._location(node.name)  # type: ignore[attr-defined]

    def _federation_directives(
        self, directives: tuple[ConstDirectiveNode, ...] | None
    ) -> dict[str, list[ConstDirectiveNode]]:
        found: dict[str, list[ConstDirectiveNode]] = {}
        for directive in directives or ():
            canonical = self.names.canonical(directive.name.value)
            if canonical in IGNORED_DIRECTIVES:
                self.ignored.add(f"@{directive.name.value}")
            elif canonical is not None:
                found.setdefault(canonical, []).append(directive)
        return found

    @staticmethod
    def _arguments(directive: ConstDirectiveNode) -> dict[str, object]:
        return {
            argument.name.value: value_from_ast_untyped(argument.value)
            for argument in directive.arguments or ()
        }

    def _check_references(self) -> None:
        for type_ in self.types.values():
            # (referenced type, the element referencing it, where that element is)
            references: list[tuple[str, str, SourceLocation | None]] = []
            for field_ in type_.fields.values():
                coordinate = f"{type_.name}.{field_.name}"
                references.append((field_.type, coordinate, field_.meta.location))
                references.extend(
                    (a.type, f"{coordinate}({a.name}:)", a.meta.location)
                    for a in field_.arguments.values()
                )
            references.extend(
                (a.type, f"{type_.name}.{a.name}", a.meta.location)
                for a in type_.input_fields.values()
            )
            references.extend((n, type_.name, type_.meta.location) for n in type_.members)
            references.extend((n, type_.name, type_.meta.location) for n in type_.interfaces)
            for reference, element, location in references:
                name = named_type(reference)
                if name not in self.types and name not in BUILT_IN_SCALARS:
                    self.errors.append(
                        CompositionError(
                            "INVALID_GRAPHQL",
                            f'[{self.subgraph.name}] Unknown type "{name}" (used by "{element}")',
                            self.subgraph.name,
                            (location,) if location else (),
                        )
                    )

    def _normalize_federation1(self) -> None:
        """Applies what Apollo's Federation 1 upgrade means for composition: @external on a key
        field of an entity extension only documented where the key came from. Federation 2
        keeps that reading for keys on an extension (`extend type`, `@extends`): their
        @external fields, nested ones included, are resolved by the subgraph ("fake
        externals" in Apollo's terms)."""
        if self.names.is_federation2:
            for type_ in self.types.values():
                for key in type_.keys:
                    if key.extension or type_.extends:
                        self._resolve_external_key_fields(type_, key.fields)
            return
        for type_ in self.types.values():
            key_fields = {
                word for key in type_.keys for word in key.fields.replace("{", " ").split()
            }
            for field_ in type_.fields.values():
                if field_.external and field_.name in key_fields:
                    field_.external = False

    def _resolve_external_key_fields(self, type_: SubgraphType, fields: str) -> None:
        try:
            document = parse(f"{{{fields}}}", no_location=True)
        except GraphQLError:
            return  # the field set checker reports it
        operation = document.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        pending = [(type_, operation.selection_set)]
        while pending:
            parent, selection_set = pending.pop()
            for selection in selection_set.selections:
                if not isinstance(selection, FieldNode):
                    continue
                field_ = parent.fields.get(selection.name.value)
                if field_ is None:
                    continue
                field_.external = False
                below = self.types.get(named_type(field_.type))
                if selection.selection_set is not None and below is not None:
                    pending.append((below, selection.selection_set))

    def _location(self, node: Node) -> SourceLocation | None:
        if node.loc is None:
            return None
        # Line starts are found once per document: graphql-core's get_location rescans the
        # source from its start on every call, quadratic over a large SDL.
        line = bisect_right(self.line_starts, node.loc.start)
        return SourceLocation(line, node.loc.start - self.line_starts[line - 1] + 1)

    def _error(self, message: str, node: Node) -> None:
        location = self._location(node)
        self.errors.append(
            CompositionError.in_subgraph(self.subgraph.name, "INVALID_GRAPHQL", message, location)
        )


def _alternatives(value: object) -> list[list[str]]:
    """`[["a", "b"], ["c"]]` as given; anything malformed counts as an empty list (no one)."""
    if not isinstance(value, list):
        return []
    return [
        [str(item) for item in inner if isinstance(item, str)]
        for inner in value
        if isinstance(inner, list)
    ]
