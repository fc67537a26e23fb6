"""Changes to a client-facing schema that can break existing clients, each listed by coordinate.

graphql-core's `find_breaking_changes` finds most of these but reports a nullable output and a
changed output type alike and names elements only inside prose; this module gives each change a
stable code and a schema coordinate (`Type.field(arg:)`), which CI output and tests rely on.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    GraphQLEnumType,
    GraphQLField,
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
    for name, argument in old.args.items():
        where = f"{coordinate}({name}:)"
        new_argument = new.args.get(name)
        if new_argument is None:
            changes.append(BreakingChange("ARGUMENT_REMOVED", where, f"{where} was removed"))
        elif not _safe_input_change(argument.type, new_argument.type):
            changes.append(
                BreakingChange(
                    "ARGUMENT_TYPE_CHANGED",
                    where,
                    f"{where} changed type from {argument.type} to {new_argument.type}",
                )
            )
    for name, argument in new.args.items():
        if name not in old.args and is_required_argument(argument):
            where = f"{coordinate}({name}:)"
            changes.append(
                BreakingChange(
                    "REQUIRED_ARGUMENT_ADDED", where, f"required argument {where} was added"
                )
            )
    return changes


def _input_object_changes(
    old: GraphQLInputObjectType, new: GraphQLInputObjectType
) -> list[BreakingChange]:
    changes: list[BreakingChange] = []
    for name, field in old.fields.items():
        where = f"{old.name}.{name}"
        new_field = new.fields.get(name)
        if new_field is None:
            changes.append(BreakingChange("INPUT_FIELD_REMOVED", where, f"{where} was removed"))
        elif not _safe_input_change(field.type, new_field.type):
            changes.append(
                BreakingChange(
                    "INPUT_FIELD_TYPE_CHANGED",
                    where,
                    f"{where} changed type from {field.type} to {new_field.type}",
                )
            )
    for name, field in new.fields.items():
        if name not in old.fields and is_required_input_field(field):
            where = f"{old.name}.{name}"
            changes.append(
                BreakingChange(
                    "REQUIRED_INPUT_FIELD_ADDED", where, f"required input field {where} was added"
                )
            )
    return changes


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
        kept = {interface.name for interface in new.interfaces}
        for interface in old.interfaces:
            if interface.name not in kept:
                changes.append(
                    BreakingChange(
                        "INTERFACE_REMOVED",
                        old.name,
                        f"{old.name} no longer implements {interface.name}",
                    )
                )
    elif isinstance(old, GraphQLInputObjectType):
        assert isinstance(new, GraphQLInputObjectType)
        changes.extend(_input_object_changes(old, new))
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
        members = {member.name for member in new.types}
        for member in old.types:
            if member.name not in members:
                changes.append(
                    BreakingChange(
                        "UNION_MEMBER_REMOVED",
                        old.name,
                        f"{member.name} was removed from union {old.name}",
                    )
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
