"""The students SDL is exactly the students part of the public schema (ARCHITECTURE.md 3)."""

from __future__ import annotations

from graphql import DocumentNode, parse, print_ast
from graphql.language import (
    InputObjectTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
)

from services.students.schema import schema
from tests.services.students.conftest import document

FEDERATION_ROOT_FIELDS = {"_entities", "_service"}
TypeNode = ObjectTypeDefinitionNode | InputObjectTypeDefinitionNode


def _types(doc: DocumentNode) -> dict[str, TypeNode | ScalarTypeDefinitionNode]:
    return {d.name.value: d for d in doc.definitions if hasattr(d, "name")}  # type: ignore[attr-defined]


def _fields(node: TypeNode) -> dict[str, str]:
    return {field.name.value: print_ast(field) for field in node.fields}


def _directives(node: TypeNode) -> list[str]:
    return [print_ast(directive) for directive in node.directives or ()]


def test_the_subgraph_sdl_is_the_contract() -> None:
    contract = _types(parse(document("public_schema.graphql")))
    served = _types(parse(schema.execute_sync("{ _service { sdl } }").data["_service"]["sdl"]))  # type: ignore[index]

    for name, expected in contract.items():
        actual = served[name]
        assert type(actual) is type(expected), name
        if isinstance(expected, ScalarTypeDefinitionNode):
            continue
        assert isinstance(actual, TypeNode)
        fields = _fields(actual)
        if name in ("Query", "Mutation"):
            # Federation adds its own root fields; nothing else may be there.
            fields = {k: v for k, v in fields.items() if k not in FEDERATION_ROOT_FIELDS}
        assert fields == _fields(expected), name
        assert _directives(actual) == _directives(expected), name

    own_types = {n for n in served if not n.startswith("_")}
    assert own_types == set(contract), "no types beyond the contract"
