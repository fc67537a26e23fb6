"""What a supergraph SDL means, as comparable data: types, fields, arguments, enum values and the
join/tag/inaccessible/authorization directives on each element, independent of order and of the
join version."""

from __future__ import annotations

from graphql import parse
from graphql.language import (
    ConstDirectiveNode,
    EnumTypeDefinitionNode,
    InputValueDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    ValueNode,
    print_ast,
)
from graphql.utilities import value_from_ast_untyped

# Arguments and definitions that later join versions (v0.4, v0.5) add: ours is v0.3 unless a
# subgraph uses what needs them (contextArguments, with the context spec's own definitions).
LATER_JOIN_ARGUMENTS = {"overrideLabel"}
LATER_JOIN_TYPES = {
    "join__ContextArgument",
    "join__DirectiveArguments",
    "join__FieldValue",
    "context__ContextFieldValue",
}
MEANINGFUL_DIRECTIVES = (
    *("join__", "tag", "inaccessible", "deprecated", "specifiedBy", "context"),
    *("authenticated", "requiresScopes", "policy"),
)
SPEC_TYPES = {"join__FieldSet", "link__Import", "link__Purpose"}
ALTERNATIVES = {"requiresScopes", "policy"}

Directive = tuple[str, tuple[tuple[str, str], ...]]


def directives_of(nodes: tuple[ConstDirectiveNode, ...] | None) -> list[Directive]:
    found = []
    for node in nodes or ():
        name = node.name.value
        if name == "join__directive" or not name.startswith(MEANINGFUL_DIRECTIVES):
            continue
        arguments = tuple(
            sorted(
                (argument.name.value, _printed(name, argument.value))
                for argument in node.arguments or ()
                if argument.name.value not in LATER_JOIN_ARGUMENTS
            )
        )
        found.append((name, arguments))
    return sorted(found)


def _printed(directive: str, value: ValueNode) -> str:
    if directive in ALTERNATIVES:
        # A OR of ANDs: neither the order of the alternatives nor within one means anything.
        alternatives = value_from_ast_untyped(value)
        if isinstance(alternatives, list):
            return repr(sorted(sorted(option) for option in alternatives))
    return print_ast(value)


def input_value(node: InputValueDefinitionNode) -> dict[str, object]:
    return {
        "type": print_ast(node.type),
        "default": print_ast(node.default_value) if node.default_value else None,
        "directives": directives_of(node.directives),
    }


def supergraph_meaning(sdl: str) -> dict[str, object]:
    document = parse(sdl)
    types: dict[str, object] = {}
    features: list[str] = []
    roots: dict[str, str] = {}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            for operation in definition.operation_types:
                roots[operation.operation.value] = operation.type.name.value
            for link in definition.directives or ():
                arguments = {a.name.value: print_ast(a.value) for a in link.arguments}
                # The feature without its version: join v0.3 and v0.5 mean the same here.
                feature = arguments["url"].strip('"').rsplit("/", 1)[0]
                features.append(f"{feature} {arguments.get('for', '')}".strip())
            continue
        if not isinstance(definition, TypeDefinitionNode):
            continue
        name = definition.name.value
        if name in LATER_JOIN_TYPES or name in SPEC_TYPES:
            continue
        entry: dict[str, object] = {
            "kind": definition.kind,
            "directives": directives_of(definition.directives),
            "interfaces": sorted(i.name.value for i in getattr(definition, "interfaces", ()) or ()),
            "members": sorted(m.name.value for m in getattr(definition, "types", ()) or ()),
        }
        fields: dict[str, object] = {}
        for field_ in getattr(definition, "fields", ()) or ():
            if isinstance(field_, InputValueDefinitionNode):
                fields[field_.name.value] = input_value(field_)
                continue
            fields[field_.name.value] = {
                "type": print_ast(field_.type),
                "arguments": {a.name.value: input_value(a) for a in field_.arguments or ()},
                "directives": directives_of(field_.directives),
            }
        entry["fields"] = fields
        if isinstance(definition, EnumTypeDefinitionNode):
            entry["values"] = {
                value.name.value: directives_of(value.directives)
                for value in definition.values or ()
            }
        types[name] = entry
    return {"roots": roots, "features": sorted(features), "types": types}
