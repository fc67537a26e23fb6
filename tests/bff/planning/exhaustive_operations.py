"""Builds, from an API schema, operations that select every field reachable from a root (to a
bounded depth), with variables for required arguments and a fragment per possible type on
abstract types: a way to ask the planner for every path through a supergraph."""

from __future__ import annotations

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

MAX_DEPTH = 3


def root_field_operations(schema: GraphQLSchema) -> list[tuple[str, str]]:
    """(name, operation text) per root query and mutation field."""
    operations = []
    for keyword, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is None:
            continue
        for name, field in root.fields.items():
            variables: list[str] = []
            selection = _field(schema, name, field, variables, depth=0)
            header = f"({', '.join(variables)})" if variables else ""
            operations.append(
                (f"{keyword}.{name}", f"{keyword} Everything{header} {{ {selection} }}")
            )
    return operations


def _field(
    schema: GraphQLSchema, name: str, field: GraphQLField, variables: list[str], depth: int
) -> str:
    arguments = []
    for argument_name, argument in field.args.items():
        if isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined:
            variable = f"v{len(variables)}"
            variables.append(f"${variable}: {argument.type}")
            arguments.append(f"{argument_name}: ${variable}")
    text = name + (f"({', '.join(arguments)})" if arguments else "")
    named = get_named_type(field.type)
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
        return f"{text} {{ {_selection(schema, named, variables, depth + 1)} }}"
    return text


def _selection(
    schema: GraphQLSchema, named: GraphQLNamedType, variables: list[str], depth: int
) -> str:
    parts = ["__typename"]
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for name, field in named.fields.items():
            composite = isinstance(
                get_named_type(field.type),
                GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
            )
            if composite and depth >= MAX_DEPTH:
                continue
            parts.append(_field(schema, name, field, variables, depth))
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType) and depth < MAX_DEPTH:
        for possible in schema.get_possible_types(named):
            inner = _selection(schema, possible, variables, depth + 1)
            parts.append(f"... on {possible.name} {{ {inner} }}")
    return " ".join(parts)
