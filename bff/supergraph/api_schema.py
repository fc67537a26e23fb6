"""Derives the client-facing API schema from a supergraph document.

Drops what only the gateway needs: the linked specs' types and directives (`join__*`,
`link__*`, `@inaccessible`...), federation plumbing (`_entities`, `_service`, `_Any`, `_Entity`,
`_Service`) and every `@inaccessible` element, together with the uses of those directives.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    validate_schema,
)

from .errors import SupergraphError
from .links import Links

FEDERATION_TYPES = frozenset({"_Any", "_Entity", "_Service", "_FieldSet", "FieldSet"})
FEDERATION_FIELDS = frozenset({"_entities", "_service"})


def build_api_schema(document: DocumentNode, links: Links, inaccessible: str) -> GraphQLSchema:
    # A legacy supergraph may use @inaccessible without linking its spec: hide it anyway.
    links = replace(links, extra_directives=links.extra_directives | {inaccessible})
    """The schema clients validate against and introspect."""
    hidden_types = {
        node.name.value
        for node in document.definitions
        if isinstance(node, TypeDefinitionNode | TypeExtensionNode)
        and (
            links.owns_type(node.name.value)
            or node.name.value in FEDERATION_TYPES
            or _is_inaccessible(node, inaccessible)
        )
    }
    kept: list[Any] = []
    for node in document.definitions:
        if isinstance(node, DirectiveDefinitionNode):
            if not links.owns_directive(node.name.value):
                kept.append(node)
        elif isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            kept.append(replace(node, directives=()))
        elif isinstance(node, TypeDefinitionNode | TypeExtensionNode):
            if node.name.value not in hidden_types:
                kept.append(_filter_type(node, links, inaccessible, hidden_types))
        else:
            kept.append(node)
    try:
        schema = build_ast_schema(replace(document, definitions=tuple(kept)))
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(
            f"the API schema derived from the supergraph is invalid: {error}"
        ) from error
    errors = validate_schema(schema)
    if errors:
        details = "; ".join(error.message for error in errors)
        raise SupergraphError(f"the derived API schema is invalid: {details}")
    return schema


def _is_inaccessible(node: Any, inaccessible: str) -> bool:
    return any(d.name.value == inaccessible for d in node.directives or ())


def _strip_directives(node: Any, links: Links) -> Any:
    directives = tuple(d for d in node.directives or () if not links.owns_directive(d.name.value))
    return replace(node, directives=directives)


def _visible_values(
    values: Any, links: Links, inaccessible: str
) -> tuple[InputValueDefinitionNode, ...]:
    return tuple(
        _strip_directives(value, links)
        for value in values or ()
        if not _is_inaccessible(value, inaccessible)
    )


def _filter_type(node: Any, links: Links, inaccessible: str, hidden_types: set[str]) -> Any:
    node = _strip_directives(node, links)
    if isinstance(
        node,
        ObjectTypeDefinitionNode
        | ObjectTypeExtensionNode
        | InterfaceTypeDefinitionNode
        | InterfaceTypeExtensionNode,
    ):
        fields: list[FieldDefinitionNode] = []
        for field in node.fields or ():
            if field.name.value in FEDERATION_FIELDS or _is_inaccessible(field, inaccessible):
                continue
            field = _strip_directives(field, links)
            fields.append(
                replace(field, arguments=_visible_values(field.arguments, links, inaccessible))
            )
        interfaces = tuple(i for i in node.interfaces or () if i.name.value not in hidden_types)
        return replace(node, fields=tuple(fields), interfaces=interfaces)
    if isinstance(node, UnionTypeDefinitionNode | UnionTypeExtensionNode):
        members = tuple(m for m in node.types or () if m.name.value not in hidden_types)
        return replace(node, types=members)
    if isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
        values = tuple(
            _strip_directives(value, links)
            for value in node.values or ()
            if not _is_inaccessible(value, inaccessible)
        )
        return replace(node, values=values)
    if isinstance(node, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
        return replace(node, fields=_visible_values(node.fields, links, inaccessible))
    return node
