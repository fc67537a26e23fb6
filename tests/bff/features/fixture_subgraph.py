"""A Federation-2 subgraph built from a fixture's SDL and fixed JSON data, executed by graphql-core.

The SDL is the one the planner's golden fixtures were composed from; federation directives are
dropped and `_Any`, `_Entity`, `_Service`, `Query._entities` and `Query._service` added, as a
federation library would. Data (`data/<feature>/<subgraph>.json`) maps each type name to its
objects by id, plus `Query` for the root fields. A field's stored value may be:

- a plain JSON value (objects are value types, with `__typename` where the field is abstract);
- `{"$ref": "Type:id"}`: that stored object (an entity or any object the data lists);
- `{"$by": "arg", "values": {"<arg value>": ...}}`: chosen by a field argument, null if absent;
- `{"$root": true}`: the root Query object (for fields that return `Query`);
- `{"$error": "message"}`: the field fails with that GraphQL error.

`_entities` finds each representation's object by any of the type's `@key`s (an interface's key
finds its implementations) and overlays the representation (nested objects field by field), so
`@external` fields come only from the gateway: a `@requires` field is computed from them by a
rule in `computed_fields.py`, and fails if the gateway did not send them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    REMOVE,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SelectionSetNode,
    StringValueNode,
    Visitor,
    build_ast_schema,
    execute_sync,
    parse,
    validate,
    visit,
)

ComputedField = Callable[[Mapping[str, Any]], Any]

EXECUTABLE_DIRECTIVES = frozenset({"skip", "include", "deprecated", "specifiedBy"})


class _WithoutFederation(Visitor):
    """Drops `@link`/`@core` schema definitions and every non-executable directive."""

    def enter_schema_definition(self, *_: Any) -> Any:
        return REMOVE

    def enter_schema_extension(self, *_: Any) -> Any:
        return REMOVE

    def enter_directive_definition(self, *_: Any) -> Any:
        return REMOVE

    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        return None if node.name.value in EXECUTABLE_DIRECTIVES else REMOVE


@dataclass(frozen=True)
class FixtureSubgraph:
    """One subgraph: its SDL, executable schema, stored objects and computed fields."""

    name: str
    sdl: str
    schema: GraphQLSchema
    data: Mapping[str, Any]
    keys: Mapping[str, tuple[SelectionSetNode, ...]]
    computed: Mapping[str, ComputedField]

    def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        resolved: list[str] | None = None,
    ) -> dict[str, Any]:
        """A GraphQL response, as a subgraph server answers one POST; each field resolution
        is appended to `resolved` as `Type.field(arg: value)`, when given."""
        document = parse(query)
        errors = validate(self.schema, document)
        if errors:
            return {"errors": [error.formatted for error in errors]}
        result = execute_sync(
            self.schema,
            document,
            root_value=self.data.get("Query", {}),
            variable_values=dict(variables or {}),
            operation_name=operation_name,
            field_resolver=self._resolve_field
            if resolved is None
            else _recording(self._resolve_field, resolved),
            type_resolver=_stored_typename,
        )
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [error.formatted for error in result.errors]
        return response

    def _resolve_field(self, source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        if info.parent_type.name == "Query" and info.field_name == "_entities":
            return [self.entity(representation) for representation in args["representations"]]
        if info.parent_type.name == "Query" and info.field_name == "_service":
            return {"sdl": self.sdl}
        rule = self.computed.get(f"{info.parent_type.name}.{info.field_name}")
        if rule is not None:
            return rule(source)
        return self._stored(source.get(info.field_name), args)

    def _stored(self, value: Any, args: Mapping[str, Any]) -> Any:
        if isinstance(value, list):
            return [self._stored(item, args) for item in value]
        if not isinstance(value, dict):
            return value
        if "$ref" in value:
            type_name, object_id = value["$ref"].split(":", 1)
            return {**self.data[type_name][object_id], "__typename": type_name}
        if "$by" in value:
            chosen = value["values"].get(str(args[value["$by"]]))
            return self._stored(chosen, args)
        if "$error" in value:
            raise GraphQLError(value["$error"])
        if value.get("$root"):
            return self.data.get("Query", {})
        return value

    def entity(self, representation: Mapping[str, Any]) -> dict[str, Any] | None:
        """The stored object a representation names, with the representation's fields on top."""
        typename = representation["__typename"]
        provided = {name: value for name, value in representation.items() if name != "__typename"}
        for concrete in self._object_types(typename):
            for stored in self.data.get(concrete, {}).values():
                if any(
                    _key_values(key, stored) == _key_values(key, representation)
                    for key in self.keys.get(typename, ())
                ):
                    return {**_overlay(stored, provided), "__typename": concrete}
        return None

    def _object_types(self, typename: str) -> list[str]:
        named = self.schema.get_type(typename)
        if isinstance(named, GraphQLInterfaceType):
            return [member.name for member in self.schema.get_possible_types(named)]
        return [typename] if isinstance(named, GraphQLObjectType) else []


def _recording(resolver: Any, resolved: list[str]) -> Any:
    """`resolver`, appending each field it resolves (with its arguments) to `resolved`."""

    def resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        arguments = ", ".join(f"{key}: {json.dumps(value)}" for key, value in sorted(args.items()))
        resolved.append(
            f"{info.parent_type.name}.{info.field_name}" + (f"({arguments})" if args else "")
        )
        return resolver(source, info, **args)

    return resolve


def build_fixture_subgraph(
    name: str,
    sdl: str,
    data: Mapping[str, Any],
    computed: Mapping[str, ComputedField] | None = None,
) -> FixtureSubgraph:
    """The executable subgraph for `sdl` (Federation 2, or Federation 1 with `extend type`)."""
    document = visit(parse(sdl), _WithoutFederation())
    keys = _entity_keys(parse(sdl))
    definitions = [_as_definition(node, document) for node in document.definitions]
    entity_types = [
        node.name.value
        for node in definitions
        if isinstance(node, ObjectTypeDefinitionNode) and node.name.value in keys
    ]
    has_query = any(
        isinstance(node, ObjectTypeDefinitionNode) and node.name.value == "Query"
        for node in definitions
    )
    federation = "scalar _Any\ntype _Service { sdl: String }\n"
    query_fields = "_service: _Service!"
    if entity_types:
        federation += f"union _Entity = {' | '.join(entity_types)}\n"
        query_fields += " _entities(representations: [_Any!]!): [_Entity]!"
    federation += f"{'extend type' if has_query else 'type'} Query {{ {query_fields} }}\n"
    schema = build_ast_schema(
        DocumentNode(definitions=(*definitions, *parse(federation).definitions))
    )
    return FixtureSubgraph(name, sdl, schema, data, keys, computed or {})


def _as_definition(node: Any, document: DocumentNode) -> Any:
    """A Federation-1 `extend type T` of a type this SDL never defines becomes its definition."""
    if not isinstance(node, ObjectTypeExtensionNode):
        return node
    defined = any(
        isinstance(other, ObjectTypeDefinitionNode) and other.name.value == node.name.value
        for other in document.definitions
    )
    if defined:
        return node
    return ObjectTypeDefinitionNode(
        name=node.name, interfaces=node.interfaces, directives=(), fields=node.fields
    )


def _entity_keys(document: DocumentNode) -> dict[str, tuple[SelectionSetNode, ...]]:
    keys: dict[str, list[SelectionSetNode]] = {}
    for node in document.definitions:
        if not isinstance(
            node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode | InterfaceTypeDefinitionNode
        ):
            continue
        for directive in node.directives or ():
            if directive.name.value != "key":
                continue
            fields = next(arg.value for arg in directive.arguments if arg.name.value == "fields")
            assert isinstance(fields, StringValueNode)
            selection = parse(f"{{ {fields.value} }}", no_location=True).definitions[0]
            keys.setdefault(node.name.value, []).append(selection.selection_set)  # type: ignore[attr-defined]
    return {name: tuple(selections) for name, selections in keys.items()}


def _overlay(stored: Any, provided: Any) -> Any:
    """`provided` (a representation's fields) on top of `stored`, object by object: a nested key
    object (`featured { id }`) keeps the stored fields the representation does not carry."""
    plain = isinstance(stored, Mapping) and not any(name.startswith("$") for name in stored)
    if plain and isinstance(provided, Mapping):
        merged = dict(stored)
        for name, value in provided.items():
            merged[name] = _overlay(stored.get(name), value)
        return merged
    if isinstance(stored, list) and isinstance(provided, list) and len(stored) == len(provided):
        return [_overlay(old, new) for old, new in zip(stored, provided, strict=True)]
    return provided


def _key_values(key: SelectionSetNode, value: Any) -> Any:
    """The part of an object a key selects (nested keys select inside), to compare objects."""
    if isinstance(value, list):
        return [_key_values(key, item) for item in value]
    if not isinstance(value, Mapping):
        return value
    projected = {}
    for field in key.selections:
        assert isinstance(field, FieldNode)
        name = field.name.value
        inner = value.get(name)
        projected[name] = _key_values(field.selection_set, inner) if field.selection_set else inner
    return projected


def _stored_typename(value: Any, info: GraphQLResolveInfo, abstract: GraphQLAbstractType) -> str:
    return value["__typename"]
