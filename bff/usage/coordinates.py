"""The schema coordinates an operation uses: `Type.field`, `Type.field(arg:)`, `Enum.VALUE`,
`Input.field`, by field name (aliases do not matter) through every fragment it spreads.

What the document says is computed once per cached operation (`OperationCoordinates`); input
fields and enum values that arrive in variables are added per request from the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    ObjectFieldNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    type_from_ast,
    visit,
)

from bff.execution.operation import PreparedOperation


@dataclass(frozen=True, slots=True)
class OperationCoordinates:
    """The document's own coordinates, and the input types of its variables to walk."""

    static: frozenset[str]
    variables: tuple[tuple[str, GraphQLInputType], ...]

    def used(self, values: Mapping[str, Any] | None) -> frozenset[str]:
        if not self.variables or not values:
            return self.static
        found: set[str] = set()
        for name, type_ in self.variables:
            if name in values:
                _value_coordinates(type_, values[name], found)
        return self.static | found if found else self.static


def operation_coordinates(
    schema: GraphQLSchema, prepared: PreparedOperation
) -> OperationCoordinates:
    """Coordinates of the chosen operation and the fragments it reaches (not of other
    operations in the same document)."""
    document = DocumentNode(definitions=(prepared.definition, *_reachable_fragments(prepared)))
    type_info = TypeInfo(schema)
    collector = _Collector(type_info)
    visit(document, TypeInfoVisitor(type_info, collector))
    variables = []
    for definition in prepared.definition.variable_definitions or ():
        type_ = type_from_ast(schema, definition.type)
        if type_ is not None and _has_inner_coordinates(type_):
            variables.append((definition.variable.name.value, type_))
    return OperationCoordinates(frozenset(collector.found), tuple(variables))


def _reachable_fragments(prepared: PreparedOperation) -> list[Any]:
    reached: dict[str, Any] = {}
    pending = [prepared.definition]
    while pending:
        node = pending.pop()
        for spread in _spreads(node):
            fragment = prepared.fragments.get(spread)
            if fragment is not None and spread not in reached:
                reached[spread] = fragment
                pending.append(fragment)
    return list(reached.values())


def _spreads(node: Any) -> list[str]:
    names: list[str] = []

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: Any, *_: Any) -> None:
            names.append(spread.name.value)

    visit(node, Spreads())
    return names


class _Collector(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: set[str] = set()
        self._fields: list[str | None] = []

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        name = node.name.value
        coordinate = None
        if parent is not None and not name.startswith("__"):
            coordinate = f"{parent.name}.{name}"
            self.found.add(coordinate)
        self._fields.append(coordinate)

    def leave_field(self, *_: Any) -> None:
        self._fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if self.type_info.get_directive() is None and self._fields and self._fields[-1]:
            self.found.add(f"{self._fields[-1]}({node.name.value}:)")

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_input_type()
        if isinstance(parent, GraphQLInputObjectType):
            self.found.add(f"{parent.name}.{node.name.value}")

    def enter_enum_value(self, node: EnumValueNode, *_: Any) -> None:
        type_ = _named(self.type_info.get_input_type())
        if isinstance(type_, GraphQLEnumType):
            self.found.add(f"{type_.name}.{node.value}")


def _named(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _has_inner_coordinates(type_: Any) -> bool:
    return isinstance(_named(type_), GraphQLInputObjectType | GraphQLEnumType)


def _value_coordinates(type_: Any, value: Any, found: set[str]) -> None:
    """Input fields and enum values a variable's value (as sent) uses, at any depth."""
    if value is None:
        return
    if isinstance(type_, GraphQLNonNull):
        _value_coordinates(type_.of_type, value, found)
    elif isinstance(type_, GraphQLList):
        for item in value if isinstance(value, list) else [value]:
            _value_coordinates(type_.of_type, item, found)
    elif isinstance(type_, GraphQLInputObjectType) and isinstance(value, Mapping):
        for name, item in value.items():
            field = type_.fields.get(name)
            if field is not None:
                found.add(f"{type_.name}.{name}")
                _value_coordinates(field.type, item, found)
    elif isinstance(type_, GraphQLEnumType) and isinstance(value, str) and value in type_.values:
        found.add(f"{type_.name}.{value}")
