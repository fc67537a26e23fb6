"""Schema shapes (types, fields, arguments; no federation metadata) checked as plain GraphQL.

Federation rules say nothing about what GraphQL itself requires (implementations matching their
interfaces, input types only in input positions, union members being objects): graphql-core's
own schema validation checks each subgraph and the merged result for that.
"""

from __future__ import annotations

from dataclasses import replace

from graphql import build_ast_schema, parse, validate_schema

from discovery.composition.printer import print_type
from discovery.composition.subgraph import Subgraph, SubgraphArgument, SubgraphType, TypeKind
from discovery.composition.supergraph_model import (
    MergedEnumValue,
    MergedField,
    MergedInputValue,
    MergedMetadata,
    MergedSchema,
    MergedType,
)

# Every subgraph's Query has at least the federation `_service` field, even when the SDL shows
# none; GraphQL wants one field, so the shape gets that stand-in.
SERVICE_FIELD = MergedField("_service", "String", {}, MergedMetadata())


def shape_problems(types: dict[str, MergedType]) -> list[str]:
    """graphql-core's schema validation messages for these types (empty when valid)."""
    sdl = "\n\n".join(print_type(types[name]) for name in sorted(types))
    schema = build_ast_schema(parse(sdl, no_location=True), assume_valid_sdl=True)
    return [error.message for error in validate_schema(schema)]


def merged_shape(schema: MergedSchema) -> dict[str, MergedType]:
    bare = MergedMetadata()
    return {
        name: replace(
            type_,
            meta=bare,
            join_types=[],
            join_implements=[],
            join_union_members=[],
            fields={
                field_name: replace(
                    field_,
                    meta=bare,
                    join_fields=[],
                    arguments={n: replace(a, meta=bare) for n, a in field_.arguments.items()},
                )
                for field_name, field_ in type_.fields.items()
            },
            input_fields={
                n: replace(v, meta=bare, join_fields=[]) for n, v in type_.input_fields.items()
            },
            values={n: replace(v, meta=bare, graphs=[]) for n, v in type_.values.items()},
        )
        for name, type_ in schema.types.items()
    }


def subgraph_shape(subgraph: Subgraph) -> dict[str, MergedType]:
    return {name: shape_of_type(type_) for name, type_ in subgraph.types.items()}


def shape_of_type(type_: SubgraphType) -> MergedType:
    bare = MergedMetadata()

    def inputs(values: dict[str, SubgraphArgument]) -> dict[str, MergedInputValue]:
        return {n: MergedInputValue(n, v.type, v.default, bare) for n, v in values.items()}

    shape = MergedType(
        type_.name,
        type_.kind,
        bare,
        interfaces=list(dict.fromkeys(type_.interfaces)),
        members=list(dict.fromkeys(type_.members)),
        fields={
            n: MergedField(n, f.type, inputs(f.arguments), bare) for n, f in type_.fields.items()
        },
        input_fields=inputs(type_.input_fields),
        values={n: MergedEnumValue(n, bare, []) for n in type_.values},
    )
    if type_.name == "Query" and type_.kind is TypeKind.OBJECT and not shape.fields:
        shape.fields["_service"] = SERVICE_FIELD
    return shape
