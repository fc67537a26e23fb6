"""Introspection end to end: the gateway, composed from the live services, describes the same
API as the monolith (types, fields, arguments, defaults, enum values), with no federation
internals; both answers build a client schema with graphql-core."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_client_schema,
    get_introspection_query,
    print_ast,
)
from graphql.utilities import get_default_value_ast

from tests.bff.oracle.conftest import Oracle
from tests.bff.oracle.monolith import run_monolith

INTROSPECTION = get_introspection_query(descriptions=False)


def argument_shape(argument: GraphQLArgument | GraphQLInputField) -> tuple[str, str | None]:
    default = get_default_value_ast(argument)
    return str(argument.type), None if default is None else print_ast(default)


def type_shape(named: GraphQLNamedType) -> dict[str, Any]:
    """What a client can rely on about one type (no descriptions, order left out)."""
    shape: dict[str, Any] = {"kind": type(named).__name__}
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        shape["fields"] = {
            name: (
                str(field.type),
                {arg: argument_shape(value) for arg, value in field.args.items()},
            )
            for name, field in named.fields.items()
        }
        shape["interfaces"] = sorted(interface.name for interface in named.interfaces)
    elif isinstance(named, GraphQLInputObjectType):
        shape["fields"] = {name: argument_shape(field) for name, field in named.fields.items()}
    elif isinstance(named, GraphQLEnumType):
        shape["values"] = sorted(named.values)
    elif isinstance(named, GraphQLUnionType):
        shape["members"] = sorted(member.name for member in named.types)
    return shape


def schema_shape(schema: GraphQLSchema) -> dict[str, Any]:
    return {
        "roots": [
            getattr(root, "name", None)
            for root in (schema.query_type, schema.mutation_type, schema.subscription_type)
        ],
        "types": {
            name: type_shape(named)
            for name, named in schema.type_map.items()
            if not name.startswith("__")
        },
        "directives": {
            directive.name: (
                sorted(location.name for location in directive.locations),
                {arg: argument_shape(value) for arg, value in directive.args.items()},
            )
            for directive in schema.directives
        },
    }


def test_the_gateway_introspects_as_the_monolith(oracle: Oracle) -> None:
    response = oracle.stack.post(INTROSPECTION)
    assert response.status == 200
    assert "errors" not in response.body
    gateway_schema = build_client_schema(response.body["data"])
    monolith_schema = build_client_schema(run_monolith(oracle.monolith, INTROSPECTION)["data"])
    assert schema_shape(gateway_schema) == schema_shape(monolith_schema)


def test_no_federation_internals_are_visible(oracle: Oracle) -> None:
    response = oracle.stack.post(INTROSPECTION)
    names = {named["name"] for named in response.body["data"]["__schema"]["types"]}
    query_type = next(t for t in response.body["data"]["__schema"]["types"] if t["name"] == "Query")
    assert not names & {"_Any", "_Entity", "_Service", "join__Graph", "link__Purpose"}
    assert {field["name"] for field in query_type["fields"]} == {
        "student",
        "students",
        "me",
        "lesson",
        "lessons",
        "leaderboard",
    }
