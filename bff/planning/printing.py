"""Compact printing of the client's arguments, directives and variable definitions.

graphql-core's `print_ast` is general (visitor based) and was the planner's largest cost; these
few node kinds are printed directly instead, in the same GraphQL syntax.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    EnumValueNode,
    FloatValueNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    StringValueNode,
    TypeNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    print_ast,
)


def print_value(value: ValueNode) -> str:
    if isinstance(value, VariableNode):
        return "$" + value.name.value
    if isinstance(value, IntValueNode | FloatValueNode | EnumValueNode):
        return value.value
    if isinstance(value, StringValueNode):
        # JSON string escapes are valid GraphQL string escapes.
        return json.dumps(value.value, ensure_ascii=False)
    if isinstance(value, BooleanValueNode):
        return "true" if value.value else "false"
    if isinstance(value, NullValueNode):
        return "null"
    if isinstance(value, ListValueNode):
        return "[" + ", ".join(print_value(item) for item in value.values) + "]"
    if isinstance(value, ObjectValueNode):
        fields = (f"{field.name.value}: {print_value(field.value)}" for field in value.fields)
        return "{" + ", ".join(fields) + "}"
    return print_ast(value)


def print_arguments(arguments: Iterable[ArgumentNode]) -> str:
    """`(a: 1, b: $v)`, or "" without arguments."""
    printed = ", ".join(f"{a.name.value}: {print_value(a.value)}" for a in arguments)
    return f"({printed})" if printed else ""


def print_directives(directives: Iterable[DirectiveNode]) -> str:
    """` @skip(if: $v) @include(if: true)`: each with a leading space."""
    return "".join(
        f" @{directive.name.value}{print_arguments(directive.arguments or ())}"
        for directive in directives
    )


def print_type(type_node: TypeNode) -> str:
    if isinstance(type_node, NonNullTypeNode):
        return print_type(type_node.type) + "!"
    if isinstance(type_node, ListTypeNode):
        return "[" + print_type(type_node.type) + "]"
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


def print_variable_definition(definition: VariableDefinitionNode) -> str:
    """`$name: Type = default @directives`, as the client declared it."""
    text = f"${definition.variable.name.value}: {print_type(definition.type)}"
    if definition.default_value is not None:
        text += f" = {print_value(definition.default_value)}"
    return text + print_directives(definition.directives or ())
