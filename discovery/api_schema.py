"""The client-facing API schema of a supergraph: join/link machinery and @inaccessible removed.

Used to compare what clients could query before and after a change (breaking-change checks).
"""

from __future__ import annotations

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    parse,
)

# Spec types every supergraph carries that clients never see.
MACHINERY_PREFIXES = ("join__", "link__", "federation__")


def _is_inaccessible(node: object) -> bool:
    return any(d.name.value == "inaccessible" for d in getattr(node, "directives", None) or ())


def _accessible(nodes: object) -> tuple:
    return tuple(
        node.__class__(**{**_fields(node), "directives": ()})
        for node in nodes or ()  # type: ignore[attr-defined]
        if not _is_inaccessible(node)
    )


def _fields(node: object) -> dict[str, object]:
    return {key: getattr(node, key) for key in node.keys}  # type: ignore[attr-defined]


def _strip(definition: TypeDefinitionNode) -> DefinitionNode:
    """The definition without directives and without inaccessible members."""
    fields = _fields(definition)
    fields["directives"] = ()
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        fields["fields"] = tuple(
            field.__class__(
                **{**_fields(field), "directives": (), "arguments": _accessible(field.arguments)}
            )
            for field in definition.fields or ()
            if not _is_inaccessible(field)
        )
    elif isinstance(definition, InputObjectTypeDefinitionNode):
        fields["fields"] = _accessible(definition.fields)
    elif isinstance(definition, EnumTypeDefinitionNode):
        fields["values"] = _accessible(definition.values)
    elif isinstance(definition, UnionTypeDefinitionNode):
        fields["types"] = tuple(definition.types or ())
    return definition.__class__(**fields)


def api_schema(supergraph_sdl: str) -> GraphQLSchema:
    """Build the schema clients see from an Apollo supergraph SDL."""
    document = parse(supergraph_sdl, no_location=True)
    definitions: list[DefinitionNode] = []
    for definition in document.definitions:
        if isinstance(definition, DirectiveDefinitionNode):
            continue
        if isinstance(definition, SchemaDefinitionNode):
            definitions.append(SchemaDefinitionNode(operation_types=definition.operation_types))
            continue
        if not isinstance(definition, TypeDefinitionNode):
            continue
        if definition.name.value.startswith(MACHINERY_PREFIXES) or _is_inaccessible(definition):
            continue
        definitions.append(_strip(definition))
    return build_ast_schema(DocumentNode(definitions=tuple(definitions)), assume_valid_sdl=True)
