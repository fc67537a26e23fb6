"""Loads an Apollo supergraph SDL (join v0.1 to v0.5) into the `Supergraph` model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphql import (
    BooleanValueNode,
    ConstDirectiveNode,
    EnumValueNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    GraphQLUnionType,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    build_ast_schema,
    parse,
    validate_schema,
    value_from_ast_untyped,
)
from graphql.type.introspection import introspection_types

from .api_schema import build_api_schema
from .errors import SupergraphError
from .links import LinkedSpec, Links, read_links
from .model import (
    ContextArgument,
    EntityKey,
    FieldInfo,
    FieldJoin,
    SubgraphInfo,
    Supergraph,
    TypeInfo,
    TypeKind,
)

SUPPORTED_JOIN_VERSIONS = frozenset({"0.1", "0.2", "0.3", "0.4", "0.5"})


def load_supergraph_file(path: str | Path, *, version: int | None = None) -> Supergraph:
    """`load_supergraph` on a file's text."""
    return load_supergraph(Path(path).read_text(encoding="utf-8"), version=version)


def load_supergraph(sdl: str, *, version: int | None = None) -> Supergraph:
    """Parse and model a supergraph; raises `SupergraphError` saying what is wrong."""
    try:
        document = parse(sdl)
    except GraphQLSyntaxError as error:
        raise SupergraphError(f"the supergraph SDL does not parse: {error.message}") from error
    links = read_links(document)
    join = links.spec("join")
    if join is None:
        raise SupergraphError(
            "not a supergraph: no @link to the join spec (https://specs.apollo.dev/join/v0.3)"
        )
    if join.version not in SUPPORTED_JOIN_VERSIONS:
        raise SupergraphError(f"join spec v{join.version} is not supported")
    inaccessible_spec = links.spec("inaccessible")
    inaccessible = (
        inaccessible_spec.directive_name("inaccessible") if inaccessible_spec else "inaccessible"
    )
    try:
        schema = build_ast_schema(document)
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"the supergraph schema is invalid: {error}") from error
    errors = validate_schema(schema)
    if errors:
        details = "; ".join(error.message for error in errors)
        raise SupergraphError(f"the supergraph schema is invalid: {details}")
    reader = _JoinReader(schema, links, join, inaccessible)
    subgraphs = reader.read_graphs()
    types = reader.read_types(subgraphs)
    api_schema = build_api_schema(document, links, inaccessible)
    return Supergraph(
        version=version,
        sdl=sdl,
        schema=schema,
        api_schema=api_schema,
        subgraphs=subgraphs,
        types=types,
        query_type=schema.query_type.name if schema.query_type else None,
        mutation_type=schema.mutation_type.name if schema.mutation_type else None,
        subscription_type=schema.subscription_type.name if schema.subscription_type else None,
    )


def parse_field_set(text: str, where: str) -> SelectionSetNode:
    """A `join__FieldSet` ("id", "sku pkg { id }") as a selection set."""
    try:
        document = parse("{" + text + "}", no_location=True)
    except GraphQLSyntaxError as error:
        raise SupergraphError(f"invalid field set {text!r} on {where}: {error.message}") from error
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def _arguments(directive: ConstDirectiveNode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for argument in directive.arguments or ():
        value = argument.value
        if isinstance(value, StringValueNode | BooleanValueNode | EnumValueNode):
            out[argument.name.value] = value.value
    return out


def _directives(named: Any, name: str) -> list[dict[str, Any]]:
    nodes = [named.ast_node, *(getattr(named, "extension_ast_nodes", None) or ())]
    return [
        _arguments(directive)
        for node in nodes
        if node is not None
        for directive in node.directives or ()
        if directive.name.value == name
    ]


class _JoinReader:
    """Reads the join directives of one supergraph schema."""

    def __init__(
        self, schema: GraphQLSchema, links: Links, join: LinkedSpec, inaccessible: str
    ) -> None:
        self.schema = schema
        self.links = links
        self.join = join
        self.inaccessible = inaccessible
        self.graph_names: dict[str, str] = {}
        context_spec = links.spec("context")
        self.context_directive = context_spec.directive_name("context") if context_spec else None

    def read_graphs(self) -> dict[str, SubgraphInfo]:
        graph_enum = self.schema.type_map.get(self.join.type_name("Graph"))
        if not isinstance(graph_enum, GraphQLEnumType):
            raise SupergraphError(f"the supergraph has no {self.join.type_name('Graph')} enum")
        directive = self.join.directive_name("graph")
        subgraphs: dict[str, SubgraphInfo] = {}
        for value_name, value in graph_enum.values.items():
            found = [
                _arguments(d)
                for d in ((value.ast_node.directives or ()) if value.ast_node else ())
                if d.name.value == directive
            ]
            if not found or "name" not in found[0] or "url" not in found[0]:
                raise SupergraphError(
                    f"graph {value_name} has no @{directive}(name:, url:) declaration"
                )
            name = found[0]["name"]
            if name in subgraphs:
                raise SupergraphError(f"two graphs are named {name!r}")
            self.graph_names[value_name] = name
            subgraphs[name] = SubgraphInfo(name=name, url=found[0]["url"])
        return subgraphs

    def _graph(self, arguments: dict[str, Any], where: str) -> str:
        enum_value = arguments.get("graph")
        if enum_value not in self.graph_names:
            raise SupergraphError(f"{where} names an unknown graph {enum_value!r}")
        return self.graph_names[enum_value]

    def _hidden(self, named: Any) -> bool:
        node = named.ast_node
        return bool(node) and any(d.name.value == self.inaccessible for d in node.directives or ())

    def read_types(self, subgraphs: dict[str, SubgraphInfo]) -> dict[str, TypeInfo]:
        all_graphs = tuple(subgraphs)
        types: dict[str, TypeInfo] = {}
        for name, named in self.schema.type_map.items():
            if name in introspection_types or self.links.owns_type(name):
                continue
            types[name] = self._read_type(named, all_graphs)
        self._derive_possible_types(types)
        return types

    def _read_type(self, named: GraphQLNamedType, all_graphs: tuple[str, ...]) -> TypeInfo:
        where = f"type {named.name}"
        graphs: list[str] = []
        keys: dict[str, list[EntityKey]] = {}
        interface_object_graphs: set[str] = set()
        for arguments in _directives(named, self.join.directive_name("type")):
            graph = self._graph(arguments, where)
            if graph not in graphs:
                graphs.append(graph)
            if "key" in arguments:
                keys.setdefault(graph, []).append(
                    EntityKey(
                        graph=graph,
                        fields=arguments["key"],
                        selection=parse_field_set(arguments["key"], f"{where} in {graph}"),
                        resolvable=arguments.get("resolvable", True),
                    )
                )
            if arguments.get("isInterfaceObject", False):
                interface_object_graphs.add(graph)
        # Legacy (join v0.1) value types carry no @join__type: every graph has them.
        type_graphs = tuple(graphs) if graphs else all_graphs
        implements: dict[str, set[str]] = {}
        for arguments in _directives(named, self.join.directive_name("implements")):
            graph = self._graph(arguments, where)
            implements.setdefault(graph, set()).add(arguments["interface"])
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) and not _directives(
            named, self.join.directive_name("implements")
        ):
            # Before join v0.2 implementations were not per graph: assume every graph's.
            for graph in type_graphs:
                implements[graph] = {i.name for i in named.interfaces}
        info = TypeInfo(
            name=named.name,
            kind=_kind(named),
            graphs=type_graphs,
            keys={graph: tuple(found) for graph, found in keys.items()},
            interface_object_graphs=frozenset(interface_object_graphs),
            implements={graph: frozenset(found) for graph, found in implements.items()},
            inaccessible=self._hidden(named),
            contexts=frozenset(
                arguments["name"]
                for arguments in _directives(named, self.context_directive or "")
                if "name" in arguments
            ),
        )
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            info.fields = {
                field_name: self._read_field(named.name, field_name, field, type_graphs)
                for field_name, field in named.fields.items()
            }
        if isinstance(named, GraphQLEnumType):
            info.enum_values = {
                value_name: self._enum_value_graphs(value, type_graphs, where)
                for value_name, value in named.values.items()
            }
        if isinstance(named, GraphQLUnionType):
            members: dict[str, list[str]] = {}
            for arguments in _directives(named, self.join.directive_name("unionMember")):
                graph = self._graph(arguments, where)
                members.setdefault(graph, []).append(arguments["member"])
            if not members:
                members = {graph: [t.name for t in named.types] for graph in type_graphs}
            info.possible_types = {g: tuple(sorted(found)) for g, found in members.items()}
        return info

    def _enum_value_graphs(
        self, value: Any, type_graphs: tuple[str, ...], where: str
    ) -> tuple[str, ...]:
        directive = self.join.directive_name("enumValue")
        found = [
            self._graph(_arguments(d), where)
            for d in ((value.ast_node.directives or ()) if value.ast_node else ())
            if d.name.value == directive
        ]
        return tuple(found) if found else type_graphs

    def _read_field(
        self, parent: str, name: str, field: Any, type_graphs: tuple[str, ...]
    ) -> FieldInfo:
        where = f"field {parent}.{name}"
        output = field.type
        list_depth = 0
        while isinstance(output, GraphQLNonNull | GraphQLList):
            if isinstance(output, GraphQLList):
                list_depth += 1
            output = output.of_type
        joins: dict[str, FieldJoin] = {}
        nodes = _directive_nodes_of_field(field, self.join.directive_name("field"))
        declared = [_arguments(node) for node in nodes]
        for node, arguments in zip(nodes, declared, strict=True):
            if "graph" not in arguments:
                # A graph-less @join__field marks a field no graph resolves on this type (it
                # comes from an @interfaceObject and is resolved through the interface).
                continue
            graph = self._graph(arguments, where)
            requires = arguments.get("requires")
            provides = arguments.get("provides")
            joins[graph] = FieldJoin(
                graph=graph,
                requires=parse_field_set(requires, f"{where} in {graph}") if requires else None,
                provides=parse_field_set(provides, f"{where} in {graph}") if provides else None,
                external=bool(arguments.get("external", False)),
                override=arguments.get("override"),
                used_overridden=bool(arguments.get("usedOverridden", False)),
                local_type=_local_type(arguments.get("type"), output.name),
                local_type_ref=arguments.get("type"),
                override_label=arguments.get("overrideLabel"),
                context_arguments=_context_arguments(node, f"{where} in {graph}"),
            )
        if declared:
            graphs = tuple(graph for graph, join in joins.items() if join.resolves)
        else:
            graphs = type_graphs
        return FieldInfo(
            parent=parent,
            name=name,
            type_name=output.name,
            list_depth=list_depth,
            type_ref=str(field.type),
            graphs=graphs,
            joins=joins,
            inaccessible=bool(field.ast_node)
            and any(d.name.value == self.inaccessible for d in field.ast_node.directives or ()),
        )

    def _derive_possible_types(self, types: dict[str, TypeInfo]) -> None:
        for info in types.values():
            if info.kind != "interface":
                continue
            possible: dict[str, list[str]] = {}
            for candidate in types.values():
                if candidate.kind != "object":
                    continue
                for graph, interfaces in candidate.implements.items():
                    if info.name in interfaces:
                        possible.setdefault(graph, []).append(candidate.name)
            info.possible_types = {g: tuple(sorted(found)) for g, found in possible.items()}


def _context_arguments(directive: ConstDirectiveNode, where: str) -> tuple[ContextArgument, ...]:
    """The join v0.5 `contextArguments` of one `@join__field`."""
    value = next(
        (a.value for a in directive.arguments or () if a.name.value == "contextArguments"), None
    )
    if value is None:
        return ()
    entries = value_from_ast_untyped(value)
    found: list[ContextArgument] = []
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(key), str) for key in ("name", "context", "type", "selection")
        ):
            raise SupergraphError(f"{where} has malformed contextArguments")
        found.append(
            ContextArgument(
                name=entry["name"],
                context=entry["context"],
                type=entry["type"],
                selection=parse_context_selection(entry["selection"], where),
            )
        )
    return tuple(found)


def parse_context_selection(text: str, where: str) -> SelectionSetNode:
    """A context selection as join v0.5 carries it: " { currency }" or type conditions
    " ... on A { x } ... on B { y }"."""
    inner = text.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    return parse_field_set(inner, f"the context selection of {where}")


def _local_type(declared: str | None, supergraph_type: str) -> str | None:
    """The named type in a `@join__field(type: "[Dog!]")`, when it is not the supergraph's."""
    if not declared:
        return None
    named = declared.replace("[", "").replace("]", "").replace("!", "").strip()
    return named if named != supergraph_type else None


def _directive_nodes_of_field(field: Any, name: str) -> list[ConstDirectiveNode]:
    node = field.ast_node
    if node is None:
        return []
    return [d for d in node.directives or () if d.name.value == name]


def _kind(named: GraphQLNamedType) -> TypeKind:
    if isinstance(named, GraphQLObjectType):
        return "object"
    if isinstance(named, GraphQLInterfaceType):
        return "interface"
    if isinstance(named, GraphQLUnionType):
        return "union"
    if isinstance(named, GraphQLEnumType):
        return "enum"
    if isinstance(named, GraphQLInputObjectType):
        return "input"
    return "scalar"
