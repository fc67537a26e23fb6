"""Subgraph schemas as the subgraphs themselves serve them, built from fixture subgraph SDLs:
federation directives dropped, `_Any`, `_Entity` and `Query._entities` added. Used to check
that every operation the planner sends is valid for the subgraph that receives it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    SchemaExtensionNode,
    build_ast_schema,
    parse,
)

EXECUTABLE_DIRECTIVES = frozenset({"skip", "include", "deprecated", "specifiedBy"})


def load_subgraph_schemas(folder: Path) -> dict[str, GraphQLSchema]:
    """One schema per `subgraphs/<service>.graphql` in a fixture folder."""
    return {
        path.stem: subgraph_schema(path.read_text(encoding="utf-8"))
        for path in sorted((folder / "subgraphs").glob("*.graphql"))
    }


def subgraph_schema(sdl: str) -> GraphQLSchema:
    document = parse(sdl)
    definitions: list[Any] = []
    entities: list[str] = []
    has_query = False
    for node in document.definitions:
        if isinstance(node, SchemaExtensionNode):
            continue
        if isinstance(node, ObjectTypeDefinitionNode):
            has_query = has_query or node.name.value == "Query"
            if any(d.name.value == "key" for d in node.directives or ()):
                entities.append(node.name.value)
        definitions.append(_without_federation_directives(node))
    extra = "scalar _Any\n"
    if entities:
        extra += f"union _Entity = {' | '.join(entities)}\n"
        keyword = "extend type" if has_query else "type"
        extra += f"{keyword} Query {{ _entities(representations: [_Any!]!): [_Entity]! }}\n"
    additions = parse(extra).definitions
    return build_ast_schema(DocumentNode(definitions=(*definitions, *additions)))


def _without_federation_directives(node: Any) -> Any:
    changes: dict[str, Any] = {}
    for key in node.keys:
        value = getattr(node, key)
        if key == "directives" and value:
            changes[key] = tuple(d for d in value if _kept(d))
        elif isinstance(value, tuple) and value and hasattr(value[0], "keys"):
            changes[key] = tuple(_without_federation_directives(item) for item in value)
    return replace(node, **changes) if changes else node


def _kept(directive: DirectiveNode) -> bool:
    return directive.name.value in EXECUTABLE_DIRECTIVES
