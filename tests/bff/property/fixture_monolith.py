"""A monolith over a feature's fixture data: the supergraph's API schema executed by graphql-core,
each field read from the subgraph records that own it, with no planning and no federation.

The features harness serves each subgraph's JSON (`tests/bff/features/data/<feature>/`) behind
the gateway; this reads the same JSON as one graph would hold it:

- an object is every subgraph's record of it: records of one type with the same id (the data's
  own key, `"p1"` in `{"Product": {"p1": ...}}`), plus the records an `@interfaceObject`
  subgraph keeps under the interface's name; an inline object that carries an entity's key
  (`author: {"id": "1"}`) joins that entity's records;
- a field's value comes from the subgraphs that own it: those whose SDL defines it on the type
  (or on an `@interfaceObject` interface of it) without `@external`, and that no `@override`
  took it from; a `@requires` field is computed by the feature's rule from the whole object;
  objects from several owners (a `@shareable` value type) are merged;
- an argument a subgraph takes `@fromContext` is read, for each object, on its nearest ancestor
  in the response whose type (or an interface or union of it) has that subgraph's
  `@context(name:)`, by walking the selection over the graph's own fields;
- the special values are read as the fixture subgraphs read them (`$ref`, `$by`, `$root`,
  `$error`), and leaves are serialised by graphql-core against the API schema, so a value the
  API schema hides (an `@inaccessible` enum value) is an error here too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldDefinitionNode,
    FieldNode,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SelectionSetNode,
    StringValueNode,
    UnionTypeDefinitionNode,
    execute_sync,
    get_named_type,
    parse,
)

from tests.bff.features.fixture_subgraph import ComputedField, FixtureSubgraph, _key_values

_MISSING = object()


@dataclass
class Node:
    """One object of the graph: its API type and each subgraph's record of it."""

    type_name: str
    parts: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)


class FixtureMonolith:
    """Answers operations over the API schema from the fixture subgraphs' data."""

    def __init__(
        self,
        api_schema: GraphQLSchema,
        subgraphs: list[FixtureSubgraph],
        computed: Mapping[str, Mapping[str, ComputedField]] | None = None,
    ) -> None:
        self.schema = api_schema
        self.subgraphs = {subgraph.name: subgraph for subgraph in subgraphs}
        self.computed = computed or {}
        self.owners: dict[tuple[str, str], list[str]] = {}
        self.interface_objects: dict[str, set[str]] = {}
        # (graph, context name) -> the types setting it; (graph, type, field) -> each argument
        # it takes from a context: (argument, (graph, context name), selection).
        self.context_setters: dict[tuple[str, str], set[str]] = {}
        self.contextual: dict[
            tuple[str, str, str], list[tuple[str, tuple[str, str], SelectionSetNode]]
        ] = {}
        # The objects of the execution running, by response path (ancestors of later fields).
        self._objects: dict[tuple[str | int, ...], Node] = {}
        overridden: set[tuple[str, str, str]] = set()
        for subgraph in subgraphs:
            self._read_ownership(subgraph.name, parse(subgraph.sdl), overridden)
        for type_name, field_name, graph in overridden:
            owners = self.owners.get((type_name, field_name), [])
            if graph in owners:
                owners.remove(graph)

    def execute(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        root = Node(
            "Query",
            [(name, subgraph.data.get("Query", {})) for name, subgraph in self.subgraphs.items()],
        )
        self._objects = {}
        result = execute_sync(
            self.schema,
            parse(query),
            root_value=root,
            variable_values=dict(variables or {}),
            field_resolver=self._resolve,
            type_resolver=self._type_of,
        )
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [error.formatted for error in result.errors]
        return response

    # -- ownership, from the subgraph SDLs

    def _read_ownership(
        self, graph: str, document: DocumentNode, overridden: set[tuple[str, str, str]]
    ) -> None:
        for node in document.definitions:
            if isinstance(node, UnionTypeDefinitionNode):
                self._read_contexts(graph, node.name.value, node.directives)
            if not isinstance(
                node,
                ObjectTypeDefinitionNode | ObjectTypeExtensionNode | InterfaceTypeDefinitionNode,
            ):
                continue
            type_name = node.name.value
            self._read_contexts(graph, type_name, node.directives)
            directives = {directive.name.value for directive in node.directives or ()}
            if "interfaceObject" in directives:
                self.interface_objects.setdefault(type_name, set()).add(graph)
            for definition in node.fields or ():
                self._read_field(graph, type_name, definition, overridden)

    def _read_contexts(
        self, graph: str, type_name: str, directives: tuple[DirectiveNode, ...] | None
    ) -> None:
        for directive in directives or ():
            if directive.name.value == "context":
                name = _string_argument(directive, "name")
                self.context_setters.setdefault((graph, name), set()).add(type_name)

    def _read_contextual_arguments(
        self, graph: str, type_name: str, definition: FieldDefinitionNode
    ) -> None:
        for argument in definition.arguments or ():
            for directive in argument.directives or ():
                if directive.name.value != "fromContext":
                    continue
                reference = _string_argument(directive, "field").strip()
                context, _, selection = reference.removeprefix("$").partition(" ")
                text = selection.strip()
                document = parse(text if text.startswith("{") else "{" + text + "}")
                operation = document.definitions[0]
                self.contextual.setdefault((graph, type_name, definition.name.value), []).append(
                    (argument.name.value, (graph, context), operation.selection_set)  # type: ignore[attr-defined]
                )

    def _read_field(
        self,
        graph: str,
        type_name: str,
        definition: FieldDefinitionNode,
        overridden: set[tuple[str, str, str]],
    ) -> None:
        name = definition.name.value
        self._read_contextual_arguments(graph, type_name, definition)
        external = False
        for directive in definition.directives or ():
            if directive.name.value == "external":
                external = True
            elif directive.name.value == "override":
                for argument in directive.arguments:
                    if argument.name.value == "from" and isinstance(
                        argument.value, StringValueNode
                    ):
                        overridden.add((type_name, name, argument.value.value))
        if not external:
            self.owners.setdefault((type_name, name), []).append(graph)

    def _owners(self, type_name: str, field_name: str) -> list[str]:
        owners = list(self.owners.get((type_name, field_name), ()))
        api_type = self.schema.get_type(type_name)
        for interface in getattr(api_type, "interfaces", ()):
            for graph in self.interface_objects.get(interface.name, ()):
                if graph in self.owners.get((interface.name, field_name), ()):
                    owners.append(graph)
        return owners

    # -- resolution

    def _resolve(self, source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        if not isinstance(source, Node):
            return source.get(info.field_name) if isinstance(source, Mapping) else None
        at = tuple(info.path.prev.as_list()) if info.path.prev else ()
        self._objects[at] = source
        for graph in self._owners(source.type_name, info.field_name):
            key = (graph, source.type_name, info.field_name)
            for argument, context, selection in self.contextual.get(key, ()):
                args = {**args, argument: self._context_value(at, context, selection)}
        return self.field_value(source, info.field_name, args, info.return_type)

    # -- contexts

    def _context_value(
        self, at: tuple[str | int, ...], context: tuple[str, str], selection: SelectionSetNode
    ) -> Any:
        """The selection read on the nearest ancestor of the object at `at` setting `context`."""
        for length in range(len(at) - 1, -1, -1):
            ancestor = self._objects.get(at[:length])
            if ancestor is not None and self._sets(ancestor.type_name, context):
                return self._read(ancestor, selection)
        return None

    def _sets(self, type_name: str, context: tuple[str, str]) -> bool:
        setters = self.context_setters.get(context, set())
        return any(self._is_a(type_name, setter) for setter in setters)

    def _is_a(self, type_name: str, other: str) -> bool:
        if type_name == other:
            return True
        named = self.schema.get_type(other)
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            return any(t.name == type_name for t in self.schema.get_possible_types(named))
        return False

    def _read(self, node: Node, selection: SelectionSetNode) -> Any:
        for chosen in selection.selections:
            if isinstance(chosen, InlineFragmentNode):
                condition = chosen.type_condition
                if condition is None or self._is_a(node.type_name, condition.name.value):
                    return self._read(node, chosen.selection_set)
                continue
            assert isinstance(chosen, FieldNode)
            api_type = self.schema.get_type(node.type_name)
            field_type = getattr(api_type, "fields", {}).get(chosen.name.value)
            value = self.field_value(
                node, chosen.name.value, {}, field_type.type if field_type else None
            )
            inner = chosen.selection_set
            return value if inner is None else self._read_nested(value, inner)
        return None

    def _read_nested(self, value: Any, selection: SelectionSetNode) -> Any:
        if isinstance(value, list):
            return [self._read_nested(item, selection) for item in value]
        return self._read(value, selection) if isinstance(value, Node) else None

    def field_value(
        self, node: Node, field_name: str, args: Mapping[str, Any], return_type: Any = None
    ) -> Any:
        values: list[tuple[str, Any]] = []
        for graph in self._owners(node.type_name, field_name):
            rule = self._rule(graph, node.type_name, field_name)
            if rule is not None:
                return rule(_NodeView(self, node))
            for part_graph, record in node.parts:
                if part_graph == graph and field_name in record:
                    values.append((graph, record[field_name]))
                    break
        if not values:
            return None
        named = get_named_type(return_type) if return_type is not None else None
        return self._combine(
            [(graph, self._stored(graph, value, args)) for graph, value in values], named
        )

    def _rule(self, graph: str, type_name: str, field_name: str) -> ComputedField | None:
        """The rule computing the field, given on the type or (in an `@interfaceObject`
        subgraph) on one of its interfaces."""
        rules = self.computed.get(graph, {})
        api_type = self.schema.get_type(type_name)
        names = [type_name, *(interface.name for interface in getattr(api_type, "interfaces", ()))]
        return next(
            (rules[f"{name}.{field_name}"] for name in names if f"{name}.{field_name}" in rules),
            None,
        )

    def _stored(self, graph: str, value: Any, args: Mapping[str, Any]) -> Any:
        if isinstance(value, list):
            return [self._stored(graph, item, args) for item in value]
        if not isinstance(value, dict):
            return value
        if "$ref" in value:
            type_name, object_id = value["$ref"].split(":", 1)
            return self._entity(type_name, object_id)
        if "$by" in value:
            return self._stored(graph, value["values"].get(str(args[value["$by"]])), args)
        if "$error" in value:
            raise GraphQLError(value["$error"])
        if value.get("$root"):
            return Node(
                "Query", [(name, sub.data.get("Query", {})) for name, sub in self.subgraphs.items()]
            )
        return _Inline(graph, value)

    def _combine(self, values: list[tuple[str, Any]], named: Any) -> Any:
        """One field's value from its owners' values: objects merged, lists item by item."""
        present = [value for _, value in values if value is not None]
        if not present:
            return None
        first = present[0]
        if isinstance(first, list):
            same = [
                value for value in present if isinstance(value, list) and len(value) == len(first)
            ]
            return [
                self._combine([("", items[position]) for items in same], named)
                for position in range(len(first))
            ]
        if isinstance(first, Node | _Inline):
            return self._object(
                [value for value in present if isinstance(value, Node | _Inline)], named
            )
        return first

    def _object(self, values: list[Any], named: Any) -> Node:
        type_name = None
        parts: list[tuple[str, Mapping[str, Any]]] = []
        inline_only = not any(isinstance(value, Node) for value in values)
        for value in values:
            if isinstance(value, Node):
                type_name = type_name or value.type_name
                parts.extend(value.parts)
            else:
                typename = value.record.get("__typename")
                type_name = type_name or typename
                parts.append((value.graph, value.record))
        if type_name is None and isinstance(named, GraphQLObjectType):
            type_name = named.name
        node = Node(type_name or "", parts)
        if type_name and inline_only:
            stored = self._entity_by_key(type_name, parts)
            if stored is not None:
                node.parts = [*stored.parts, *parts]
        return node

    def _entity(self, type_name: str, object_id: str) -> Node | None:
        for concrete in self._object_types(type_name):
            # Stored under its own type somewhere: an interface's name alone does not say which.
            if any(object_id in sub.data.get(concrete, {}) for sub in self.subgraphs.values()):
                return Node(concrete, self._records(concrete, object_id))
        return None

    def _records(self, concrete: str, object_id: str) -> list[tuple[str, Mapping[str, Any]]]:
        api_type = self.schema.get_type(concrete)
        names = [concrete, *(interface.name for interface in getattr(api_type, "interfaces", ()))]
        return [
            (graph, subgraph.data[name][object_id])
            for graph, subgraph in self.subgraphs.items()
            for name in names
            if object_id in subgraph.data.get(name, {})
        ]

    def _entity_by_key(
        self, type_name: str, inline: list[tuple[str, Mapping[str, Any]]]
    ) -> Node | None:
        """The stored entity an inline object names by one of its type's keys."""
        for subgraph in self.subgraphs.values():
            for key in subgraph.keys.get(type_name, ()):
                for _, record in inline:
                    wanted = _key_values(key, record)
                    if _has_none(wanted):
                        continue
                    for object_id in self._ids(type_name):
                        for _, stored in self._records(type_name, object_id):
                            if _key_values(key, stored) == wanted:
                                return Node(type_name, self._records(type_name, object_id))
        return None

    def _ids(self, type_name: str) -> Iterator[str]:
        seen: set[str] = set()
        for subgraph in self.subgraphs.values():
            for object_id in subgraph.data.get(type_name, {}):
                if object_id not in seen:
                    seen.add(object_id)
                    yield object_id

    def _object_types(self, type_name: str) -> list[str]:
        named = self.schema.get_type(type_name)
        if isinstance(named, GraphQLInterfaceType):
            return [member.name for member in self.schema.get_possible_types(named)]
        return [type_name]

    def _type_of(
        self, value: Any, info: GraphQLResolveInfo, abstract: GraphQLAbstractType
    ) -> str | None:
        return value.type_name if isinstance(value, Node) else None


@dataclass
class _Inline:
    """An object stored inline in one subgraph's record (a value type, or an entity by key)."""

    graph: str
    record: Mapping[str, Any]


class _NodeView(Mapping[str, Any]):
    """An object as a `@requires` rule reads it: every field, from whichever subgraph owns it."""

    def __init__(self, monolith: FixtureMonolith, node: Node) -> None:
        self._monolith = monolith
        self._node = node

    def __getitem__(self, key: str) -> Any:
        api_type = self._monolith.schema.get_type(self._node.type_name)
        field_type = getattr(api_type, "fields", {}).get(key)
        value = self._monolith.field_value(
            self._node, key, {}, field_type.type if field_type else None
        )
        if value is None and not any(key in record for _, record in self._node.parts):
            raise KeyError(key)
        return _plain(self._monolith, value)

    def __iter__(self) -> Iterator[str]:
        return iter({key for _, record in self._node.parts for key in record})

    def __len__(self) -> int:
        return len(set(self))


def _plain(monolith: FixtureMonolith, value: Any) -> Any:
    if isinstance(value, Node):
        return _NodeView(monolith, value)
    if isinstance(value, list):
        return [_plain(monolith, item) for item in value]
    return value


def _string_argument(directive: DirectiveNode, name: str) -> str:
    for argument in directive.arguments or ():
        if argument.name.value == name and isinstance(argument.value, StringValueNode):
            return argument.value.value
    return ""


def _has_none(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_none(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_none(item) for item in value)
    return value is None
