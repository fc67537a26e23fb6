"""Changes to a client-facing schema that can break existing clients, each listed by coordinate.

graphql-core's `find_breaking_changes` finds most of these but reports a nullable output and a
changed output type alike and names elements only inside prose; this module gives each change a
stable code and a schema coordinate (`Type.field(arg:)`), which CI output and tests rely on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    is_introspection_type,
    is_required_argument,
    is_required_input_field,
    is_specified_scalar_type,
)


@dataclass(frozen=True, slots=True)
class BreakingChange:
    """`code`: TYPE_REMOVED, TYPE_KIND_CHANGED, FIELD_REMOVED, FIELD_TYPE_CHANGED,
    OUTPUT_MADE_NULLABLE, ARGUMENT_REMOVED, ARGUMENT_TYPE_CHANGED, REQUIRED_ARGUMENT_ADDED,
    INPUT_FIELD_REMOVED, INPUT_FIELD_TYPE_CHANGED, REQUIRED_INPUT_FIELD_ADDED,
    ENUM_VALUE_REMOVED, UNION_MEMBER_REMOVED, INTERFACE_REMOVED."""

    code: str
    coordinate: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "coordinate": self.coordinate, "message": self.message}


def _kind(named: GraphQLNamedType) -> str:
    return type(named).__name__.removeprefix("GraphQL").removesuffix("Type").upper()


def _shape(type_: GraphQLType) -> str:
    """The type with non-null markers dropped: equal shapes differ only in nullability."""
    if isinstance(type_, GraphQLNonNull):
        return _shape(type_.of_type)
    if isinstance(type_, GraphQLList):
        return f"[{_shape(type_.of_type)}]"
    return type_.name  # type: ignore[union-attr]


def _safe_output_change(old: GraphQLType, new: GraphQLType) -> bool:
    """A client reading `old` still gets what it expects from `new` (same or stricter)."""
    if isinstance(old, GraphQLNonNull):
        return isinstance(new, GraphQLNonNull) and _safe_output_change(old.of_type, new.of_type)
    if isinstance(new, GraphQLNonNull):
        return _safe_output_change(old, new.of_type)
    if isinstance(old, GraphQLList):
        return isinstance(new, GraphQLList) and _safe_output_change(old.of_type, new.of_type)
    return not isinstance(new, GraphQLList) and old.name == new.name  # type: ignore[union-attr]


def _safe_input_change(old: GraphQLType, new: GraphQLType) -> bool:
    """A value a client sends for `old` is still accepted by `new` (same or looser)."""
    if isinstance(new, GraphQLNonNull):
        return isinstance(old, GraphQLNonNull) and _safe_input_change(old.of_type, new.of_type)
    if isinstance(old, GraphQLNonNull):
        return _safe_input_change(old.of_type, new)
    if isinstance(old, GraphQLList):
        return isinstance(new, GraphQLList) and _safe_input_change(old.of_type, new.of_type)
    return not isinstance(new, GraphQLList) and old.name == new.name  # type: ignore[union-attr]


def _field_changes(coordinate: str, old: GraphQLField, new: GraphQLField) -> list[BreakingChange]:
    changes: list[BreakingChange] = []
    if not _safe_output_change(old.type, new.type):
        code = (
            "OUTPUT_MADE_NULLABLE" if _shape(old.type) == _shape(new.type) else "FIELD_TYPE_CHANGED"
        )
        changes.append(
            BreakingChange(
                code, coordinate, f"{coordinate} changed type from {old.type} to {new.type}"
            )
        )
    changes.extend(
        _input_value_changes(old.args, new.args, lambda name: f"{coordinate}({name}:)", ARGUMENT)
    )
    return changes


@dataclass(frozen=True, slots=True)
class _InputValueKind:
    """How changes to arguments or to input fields are reported."""

    prefix: str  # ARGUMENT or INPUT_FIELD
    noun: str
    is_required: Callable[[Any], bool]  # non-null without a default

    def removed(self) -> str:
        return f"{self.prefix}_REMOVED"

    def type_changed(self) -> str:
        return f"{self.prefix}_TYPE_CHANGED"

    def required_added(self) -> str:
        return f"REQUIRED_{self.prefix}_ADDED"


ARGUMENT = _InputValueKind("ARGUMENT", "argument", is_required_argument)
INPUT_FIELD = _InputValueKind("INPUT_FIELD", "input field", is_required_input_field)


def _input_value_changes(
    old: Mapping[str, GraphQLArgument | GraphQLInputField],
    new: Mapping[str, GraphQLArgument | GraphQLInputField],
    coordinate: Callable[[str], str],
    kind: _InputValueKind,
) -> list[BreakingChange]:
    """Removed, narrowed (no longer accepting what clients send) and new required values."""
    changes: list[BreakingChange] = []
    for name, value in old.items():
        where = coordinate(name)
        new_value = new.get(name)
        if new_value is None:
            changes.append(BreakingChange(kind.removed(), where, f"{where} was removed"))
        elif not _safe_input_change(value.type, new_value.type):
            message = f"{where} changed type from {value.type} to {new_value.type}"
            changes.append(BreakingChange(kind.type_changed(), where, message))
    for name, value in new.items():
        if name not in old and kind.is_required(value):
            where = coordinate(name)
            message = f"required {kind.noun} {where} was added"
            changes.append(BreakingChange(kind.required_added(), where, message))
    return changes


def _removed(old: Sequence[GraphQLNamedType], new: Sequence[GraphQLNamedType]) -> list[str]:
    """Names in `old` (interfaces implemented, union members) that `new` no longer has."""
    kept = {type_.name for type_ in new}
    return [type_.name for type_ in old if type_.name not in kept]


def _type_changes(old: GraphQLNamedType, new: GraphQLNamedType) -> list[BreakingChange]:
    if type(old) is not type(new):
        return [
            BreakingChange(
                "TYPE_KIND_CHANGED",
                old.name,
                f"{old.name} changed from {_kind(old)} to {_kind(new)}",
            )
        ]
    changes: list[BreakingChange] = []
    if isinstance(old, GraphQLObjectType | GraphQLInterfaceType):
        assert isinstance(new, GraphQLObjectType | GraphQLInterfaceType)
        for name, field in old.fields.items():
            where = f"{old.name}.{name}"
            if name not in new.fields:
                changes.append(BreakingChange("FIELD_REMOVED", where, f"{where} was removed"))
            else:
                changes.extend(_field_changes(where, field, new.fields[name]))
        changes.extend(
            BreakingChange(
                "INTERFACE_REMOVED", old.name, f"{old.name} no longer implements {interface}"
            )
            for interface in _removed(old.interfaces, new.interfaces)
        )
    elif isinstance(old, GraphQLInputObjectType):
        assert isinstance(new, GraphQLInputObjectType)
        changes.extend(
            _input_value_changes(
                old.fields, new.fields, lambda name: f"{old.name}.{name}", INPUT_FIELD
            )
        )
    elif isinstance(old, GraphQLEnumType):
        assert isinstance(new, GraphQLEnumType)
        for value in old.values:
            if value not in new.values:
                where = f"{old.name}.{value}"
                changes.append(
                    BreakingChange("ENUM_VALUE_REMOVED", where, f"enum value {where} was removed")
                )
    elif isinstance(old, GraphQLUnionType):
        assert isinstance(new, GraphQLUnionType)
        changes.extend(
            BreakingChange(
                "UNION_MEMBER_REMOVED", old.name, f"{member} was removed from union {old.name}"
            )
            for member in _removed(old.types, new.types)
        )
    return changes


def find_breaking_changes(old: GraphQLSchema, new: GraphQLSchema) -> list[BreakingChange]:
    """Every breaking change from `old` to `new`, in schema order."""
    changes: list[BreakingChange] = []
    for name, old_type in old.type_map.items():
        if is_introspection_type(old_type) or is_specified_scalar_type(old_type):
            continue
        new_type = new.type_map.get(name)
        if new_type is None:
            changes.append(BreakingChange("TYPE_REMOVED", name, f"type {name} was removed"))
        else:
            changes.extend(_type_changes(old_type, new_type))
    return changes
