"""Contract schemas: the API schema a client sees, filtered by `@tag` include/exclude lists.

The rules follow Apollo's contracts:
- an element (type, field, argument, enum value, input field) tagged with an excluded tag goes;
  exclusion wins over inclusion;
- with include tags, an object or interface field stays only if it or its type carries an
  included tag, and a union only if it carries one (scalars, enums, input types, arguments,
  enum values and input fields are not filtered by inclusion: they go when nothing reaches them);
- what is left without members goes too (an object or interface without fields, a union without
  members, an enum without values, an input type without fields), and so does a field whose type
  went, a field whose required argument's type went, an input type whose required field's type
  went, and every type no longer reachable from the root types;
- a contract that still leaves an invalid schema (an empty `Query`, an object that lost a field
  its interface keeps) is refused with graphql-core's reason.

The filtered elements are marked `@inaccessible` and the API schema is derived as usual
(`api_schema.build_api_schema`), so a contract schema hides exactly what a hand-written
`@inaccessible` would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from graphql import (
    ConstDirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    NameNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    StringValueNode,
    TypeDefinitionNode,
    build_ast_schema,
    get_named_type,
    is_introspection_type,
    is_non_null_type,
    is_specified_scalar_type,
    parse,
)
from graphql.pyutils import Undefined

from .api_schema import FEDERATION_FIELDS, FEDERATION_TYPES, build_api_schema
from .errors import SupergraphError
from .links import Links, read_links


class ContractError(SupergraphError):
    """The contract leaves no valid schema; the message says why."""


@dataclass(frozen=True, slots=True)
class Contract:
    """Tag lists; an empty contract is the whole API schema."""

    include_tags: frozenset[str] = frozenset()
    exclude_tags: frozenset[str] = frozenset()

    @property
    def is_full(self) -> bool:
        return not self.include_tags and not self.exclude_tags

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Contract:
        data = data or {}
        return cls(
            include_tags=frozenset(data.get("includeTags") or ()),
            exclude_tags=frozenset(data.get("excludeTags") or ()),
        )

    def to_json(self) -> dict[str, list[str]]:
        return {
            "includeTags": sorted(self.include_tags),
            "excludeTags": sorted(self.exclude_tags),
        }


FULL_SCHEMA = Contract()


def contract_schema(supergraph: str | DocumentNode, contract: Contract) -> GraphQLSchema:
    """The API schema of a supergraph as `contract` filters it; raises `ContractError`."""
    document = parse(supergraph) if isinstance(supergraph, str) else supergraph
    links = read_links(document)
    inaccessible = _directive_name(links, "inaccessible")
    if contract.is_full:
        return build_api_schema(document, links, inaccessible)
    try:
        schema = build_ast_schema(document)
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"the supergraph schema is invalid: {error}") from error
    hidden = _Filter(schema, links, contract, _directive_name(links, "tag"), inaccessible).run()
    if schema.query_type is None or schema.query_type.name in hidden:
        raise ContractError("the contract leaves no field on the Query type")
    marked = _mark(document, hidden, inaccessible)
    try:
        return build_api_schema(marked, links, inaccessible)
    except SupergraphError as error:
        reason = str(error).removeprefix("the derived API schema is invalid: ")
        raise ContractError(f"the contract leaves an invalid schema: {reason}") from None


def _directive_name(links: Links, spec_name: str) -> str:
    spec = links.spec(spec_name)
    return spec.directive_name(spec_name) if spec else spec_name


class _Filter:
    """Finds the coordinates a contract hides: `Type`, `Type.field`, `Type.field(arg:)`."""

    def __init__(
        self,
        schema: GraphQLSchema,
        links: Links,
        contract: Contract,
        tag: str,
        inaccessible: str,
    ) -> None:
        self.schema = schema
        self.contract = contract
        self.tag = tag
        self.inaccessible = inaccessible
        self.types: dict[str, GraphQLNamedType] = {
            name: type_
            for name, type_ in schema.type_map.items()
            if not is_introspection_type(type_)
            and not is_specified_scalar_type(type_)
            and not links.owns_type(name)
            and name not in FEDERATION_TYPES
        }
        self.hidden: set[str] = set()

    def run(self) -> set[str]:
        self._hide_by_tags()
        while self._hide_what_lost_its_parts():
            pass
        self._hide_unreachable()
        return self.hidden

    def _tags(self, element: Any) -> set[str]:
        node = element.ast_node
        tags: set[str] = set()
        for directive in getattr(node, "directives", None) or ():
            if directive.name.value == self.tag:
                for argument in directive.arguments or ():
                    if argument.name.value == "name" and isinstance(
                        argument.value, StringValueNode
                    ):
                        tags.add(argument.value.value)
        return tags

    def _marked_inaccessible(self, element: Any) -> bool:
        node = element.ast_node
        return any(d.name.value == self.inaccessible for d in getattr(node, "directives", ()) or ())

    def _excluded(self, tags: set[str]) -> bool:
        return bool(tags & self.contract.exclude_tags)

    def _hide_by_tags(self) -> None:
        include = self.contract.include_tags
        for name, type_ in self.types.items():
            type_tags = self._tags(type_)
            if self._excluded(type_tags) or self._marked_inaccessible(type_):
                self.hidden.add(name)
            if isinstance(type_, GraphQLUnionType) and include and not type_tags & include:
                self.hidden.add(name)
            for coordinate, element in _members(type_):
                tags = self._tags(element)
                if (
                    self._excluded(tags)
                    or self._marked_inaccessible(element)
                    or (
                        include
                        and isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
                        and "(" not in coordinate
                        and not (tags | type_tags) & include
                    )
                ):
                    self.hidden.add(coordinate)
            if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
                for field_name in FEDERATION_FIELDS & set(type_.fields):
                    self.hidden.add(f"{name}.{field_name}")

    def _hide_what_lost_its_parts(self) -> bool:
        """One pass of the knock-on rules; True when it hid something."""
        before = len(self.hidden)
        for name, type_ in self.types.items():
            if name in self.hidden:
                continue
            if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
                for field_name, field in type_.fields.items():
                    coordinate = f"{name}.{field_name}"
                    if coordinate in self.hidden:
                        continue
                    if self._type_hidden(field.type) or any(
                        self._type_hidden(argument.type) and _required(argument)
                        for argument in field.args.values()
                    ):
                        self.hidden.add(coordinate)
                        continue
                    for argument_name, argument in field.args.items():
                        if self._type_hidden(argument.type):
                            self.hidden.add(f"{coordinate}({argument_name}:)")
                if all(f"{name}.{field}" in self.hidden for field in type_.fields):
                    self.hidden.add(name)
            elif isinstance(type_, GraphQLUnionType):
                if all(member.name in self.hidden for member in type_.types):
                    self.hidden.add(name)
            elif isinstance(type_, GraphQLEnumType):
                if all(f"{name}.{value}" in self.hidden for value in type_.values):
                    self.hidden.add(name)
            elif isinstance(type_, GraphQLInputObjectType):
                for field_name, input_field in type_.fields.items():
                    if self._type_hidden(input_field.type):
                        if _required(input_field):
                            self.hidden.add(name)
                        self.hidden.add(f"{name}.{field_name}")
                if all(f"{name}.{field}" in self.hidden for field in type_.fields):
                    self.hidden.add(name)
        return len(self.hidden) > before

    def _type_hidden(self, type_: Any) -> bool:
        return get_named_type(type_).name in self.hidden

    def _hide_unreachable(self) -> None:
        roots = (self.schema.query_type, self.schema.mutation_type, self.schema.subscription_type)
        pending = [root.name for root in roots if root is not None and root.name not in self.hidden]
        reached: set[str] = set()
        implementations = _implementations(self.types.values())
        while pending:
            name = pending.pop()
            if name in reached or name in self.hidden or name not in self.types:
                continue
            reached.add(name)
            pending.extend(self._referenced(self.types[name]))
            pending.extend(implementations.get(name, ()))
        self.hidden |= set(self.types) - reached

    def _referenced(self, type_: GraphQLNamedType) -> list[str]:
        name = type_.name
        names: list[str] = []
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            names.extend(interface.name for interface in type_.interfaces)
            for field_name, field in type_.fields.items():
                if f"{name}.{field_name}" in self.hidden:
                    continue
                names.append(get_named_type(field.type).name)
                names.extend(
                    get_named_type(argument.type).name
                    for argument_name, argument in field.args.items()
                    if f"{name}.{field_name}({argument_name}:)" not in self.hidden
                )
        elif isinstance(type_, GraphQLUnionType):
            names.extend(member.name for member in type_.types)
        elif isinstance(type_, GraphQLInputObjectType):
            names.extend(
                get_named_type(field.type).name
                for field_name, field in type_.fields.items()
                if f"{name}.{field_name}" not in self.hidden
            )
        return names


def _members(type_: GraphQLNamedType) -> Iterable[tuple[str, Any]]:
    """Each taggable member of a type with its coordinate."""
    name = type_.name
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        for field_name, field in type_.fields.items():
            yield f"{name}.{field_name}", field
            for argument_name, argument in field.args.items():
                yield f"{name}.{field_name}({argument_name}:)", argument
    elif isinstance(type_, GraphQLEnumType):
        for value_name, value in type_.values.items():
            yield f"{name}.{value_name}", value
    elif isinstance(type_, GraphQLInputObjectType):
        for field_name, input_field in type_.fields.items():
            yield f"{name}.{field_name}", input_field


def _required(value: Any) -> bool:
    return is_non_null_type(value.type) and value.default_value is Undefined


def _implementations(types: Iterable[GraphQLNamedType]) -> dict[str, list[str]]:
    """Object and interface types by each interface they implement: a reachable interface
    reaches them through fragments."""
    found: dict[str, list[str]] = {}
    for type_ in types:
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for interface in type_.interfaces:
                found.setdefault(interface.name, []).append(type_.name)
    return found


def _mark(document: DocumentNode, hidden: set[str], inaccessible: str) -> DocumentNode:
    """The document with `@inaccessible` on every hidden element."""
    directive = ConstDirectiveNode(name=NameNode(value=inaccessible), arguments=())

    def marked(node: Any, coordinate: str) -> Any:
        if coordinate not in hidden:
            return node
        return replace(node, directives=(*(node.directives or ()), directive))

    definitions: list[Any] = []
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode):
            # A root type left without fields goes from the schema too (Mutation, Subscription).
            kept = tuple(o for o in node.operation_types if o.type.name.value not in hidden)
            node = replace(node, operation_types=kept)
        if not isinstance(node, TypeDefinitionNode):
            definitions.append(node)
            continue
        name = node.name.value
        if isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            fields = []
            for field in node.fields or ():
                coordinate = f"{name}.{field.name.value}"
                arguments = tuple(
                    marked(argument, f"{coordinate}({argument.name.value}:)")
                    for argument in field.arguments or ()
                )
                fields.append(marked(replace(field, arguments=arguments), coordinate))
            node = replace(node, fields=tuple(fields))
        elif isinstance(node, EnumTypeDefinitionNode):
            node = replace(
                node,
                values=tuple(marked(v, f"{name}.{v.name.value}") for v in node.values or ()),
            )
        elif isinstance(node, InputObjectTypeDefinitionNode):
            node = replace(
                node,
                fields=tuple(marked(f, f"{name}.{f.name.value}") for f in node.fields or ()),
            )
        definitions.append(marked(node, name))
    return replace(document, definitions=tuple(definitions))
