"""Reads a supergraph's `@link` (or legacy `@core`) declarations: which names the specs use.

Specs may be renamed (`@link(url: ".../join/v0.3", as: "j")` makes `@j__type`) and elements
imported under other names, so directive and type names are resolved here, once, instead of
being spelled out in the loader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import (
    ConstDirectiveNode,
    DocumentNode,
    GraphQLSchema,
    ListValueNode,
    ObjectValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
)

from .errors import SupergraphError

_SPEC_URL = re.compile(
    r"^https?://[^/]+(?:/.*)?/(?P<name>[A-Za-z_][\w-]*)/v(?P<version>\d+\.\d+)/?$"
)
APOLLO_SPECS_HOST = "specs.apollo.dev"


@dataclass(frozen=True, slots=True)
class LinkedSpec:
    """One `@link`ed spec: its name ("join"), version ("0.3"), the prefix its elements use in
    this document (`as:`, default the name) and imported elements (local name by spec name)."""

    url: str
    name: str
    version: str
    prefix: str
    imports: dict[str, str] = field(default_factory=dict)

    @property
    def is_apollo(self) -> bool:
        return APOLLO_SPECS_HOST in self.url

    def directive_name(self, element: str) -> str:
        """The local name of the spec's directive `element` (the spec's own name for its root)."""
        if f"@{element}" in self.imports:
            return self.imports[f"@{element}"][1:]
        if element == self.name:
            return self.prefix
        return f"{self.prefix}__{element}"

    def type_name(self, element: str) -> str:
        return self.imports.get(element, f"{self.prefix}__{element}")

    def owns_directive(self, name: str) -> bool:
        return (
            name == self.prefix
            or name.startswith(f"{self.prefix}__")
            or f"@{name}" in self.imports.values()
        )

    def owns_type(self, name: str) -> bool:
        return name.startswith(f"{self.prefix}__") or name in self.imports.values()


@dataclass(frozen=True, slots=True)
class Links:
    """All specs a supergraph links, and the name of the linking directive itself."""

    specs: tuple[LinkedSpec, ...]
    link_directive: str
    extra_directives: frozenset[str] = frozenset()

    def spec(self, name: str) -> LinkedSpec | None:
        for spec in self.specs:
            if spec.name == name:
                return spec
        return None

    def owns_directive(self, name: str) -> bool:
        if name == self.link_directive or name in self.extra_directives:
            return True
        return any(spec.is_apollo and spec.owns_directive(name) for spec in self.specs)

    def owns_type(self, name: str) -> bool:
        return any(spec.is_apollo and spec.owns_type(name) for spec in self.specs)


def read_links(document: DocumentNode) -> Links:
    """The specs linked on the schema definition (`@link`, or `@core` for join v0.1)."""
    directives: list[ConstDirectiveNode] = []
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            directives.extend(definition.directives or ())
    link_directive = "link"
    url_argument = "url"
    if not any(d.name.value == "link" for d in directives) and any(
        d.name.value == "core" for d in directives
    ):
        link_directive, url_argument = "core", "feature"
    specs = []
    for directive in directives:
        if directive.name.value != link_directive:
            continue
        arguments = {arg.name.value: arg.value for arg in directive.arguments or ()}
        url_node = arguments.get(url_argument)
        if not isinstance(url_node, StringValueNode):
            raise SupergraphError(f"@{link_directive} needs a string '{url_argument}' argument")
        match = _SPEC_URL.match(url_node.value)
        if not match:
            raise SupergraphError(
                f"@{link_directive} has an unrecognised spec URL {url_node.value!r}"
            )
        as_node = arguments.get("as")
        prefix = as_node.value if isinstance(as_node, StringValueNode) else match["name"]
        specs.append(
            LinkedSpec(
                url=url_node.value,
                name=match["name"],
                version=match["version"],
                prefix=prefix.lstrip("@"),
                imports=_read_imports(arguments.get("import")),
            )
        )
    return Links(tuple(specs), link_directive)


def schema_links(schema: GraphQLSchema) -> Links:
    """The links of a schema built from a supergraph document (its schema definition nodes)."""
    nodes = tuple(node for node in (schema.ast_node, *schema.extension_ast_nodes) if node)
    return read_links(DocumentNode(definitions=nodes))


def _read_imports(node: object) -> dict[str, str]:
    imports: dict[str, str] = {}
    if not isinstance(node, ListValueNode):
        return imports
    for value in node.values:
        if isinstance(value, StringValueNode):
            imports[value.value] = value.value
        elif isinstance(value, ObjectValueNode):
            fields = {f.name.value: f.value for f in value.fields}
            name, alias = fields.get("name"), fields.get("as")
            if isinstance(name, StringValueNode):
                local = alias.value if isinstance(alias, StringValueNode) else name.value
                imports[name.value] = local
    return imports
