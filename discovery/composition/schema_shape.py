"""Schema shapes (types, fields, arguments; no federation metadata) checked as plain GraphQL.

Federation rules say nothing about what GraphQL itself requires (implementations matching their
interfaces, input types only in input positions, union members being objects): graphql-core's
own schema validation checks each subgraph and the merged result for that.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from graphql import GraphQLSchema, build_ast_schema, validate_schema
from graphql.language import (
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    TypeDefinitionNode,
    TypeNode,
    UnionTypeDefinitionNode,
)
from graphql.language.parser import parse_const_value

from discovery.composition.result import SubgraphInput
from discovery.composition.subgraph import (
    Subgraph,
    SubgraphArgument,
    SubgraphType,
    TypeKind,
    read_subgraph,
)
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
    return [error.message for error in validate_schema(schema_of(types))]


def schema_of(types: dict[str, MergedType]) -> GraphQLSchema:
    """These types as a graphql-core schema (not validated)."""
    document = DocumentNode(definitions=tuple(definition_of(types[name]) for name in sorted(types)))
    return build_ast_schema(document, assume_valid_sdl=True)


def definition_of(type_: MergedType) -> TypeDefinitionNode:
    """The type's AST built straight from the model: printing and re-parsing a large graph
    costs far more than the validation itself."""
    name = NameNode(value=type_.name)
    if type_.kind is TypeKind.SCALAR:
        return ScalarTypeDefinitionNode(name=name, directives=())
    if type_.kind is TypeKind.ENUM:
        values = tuple(
            EnumValueDefinitionNode(name=NameNode(value=v), directives=()) for v in type_.values
        )
        return EnumTypeDefinitionNode(name=name, directives=(), values=values)
    if type_.kind is TypeKind.UNION:
        members = tuple(NamedTypeNode(name=NameNode(value=m)) for m in type_.members)
        return UnionTypeDefinitionNode(name=name, directives=(), types=members)
    if type_.kind is TypeKind.INPUT_OBJECT:
        return InputObjectTypeDefinitionNode(
            name=name, directives=(), fields=tuple(map(input_value_of, type_.input_fields.values()))
        )
    node_type = (
        ObjectTypeDefinitionNode if type_.kind is TypeKind.OBJECT else InterfaceTypeDefinitionNode
    )
    return node_type(
        name=name,
        directives=(),
        interfaces=tuple(NamedTypeNode(name=NameNode(value=i)) for i in type_.interfaces),
        fields=tuple(
            FieldDefinitionNode(
                name=NameNode(value=f.name),
                type=type_node(f.type),
                arguments=tuple(map(input_value_of, f.arguments.values())),
                directives=(),
            )
            for f in type_.fields.values()
        ),
    )


def input_value_of(value: MergedInputValue) -> InputValueDefinitionNode:
    default = parse_const_value(value.default) if value.default is not None else None
    return InputValueDefinitionNode(
        name=NameNode(value=value.name),
        type=type_node(value.type),
        default_value=default,
        directives=(),
    )


def type_node(reference: str) -> TypeNode:
    if reference.endswith("!"):
        inner = type_node(reference[:-1])
        assert isinstance(inner, NamedTypeNode | ListTypeNode)
        return NonNullTypeNode(type=inner)
    if reference.startswith("["):
        return ListTypeNode(type=type_node(reference[1:-1]))
    return NamedTypeNode(name=NameNode(value=reference))


@lru_cache(maxsize=512)
def subgraph_problems(sdl: str) -> tuple[str, ...]:
    """`shape_problems` of one subgraph SDL, once per distinct text (the registry re-composes
    mostly unchanged SDLs); an SDL that does not even read has none to add here."""
    subgraph = read_subgraph(SubgraphInput("subgraph", "", sdl))
    if isinstance(subgraph, list):
        return ()
    return tuple(shape_problems(subgraph_shape(subgraph)))


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
