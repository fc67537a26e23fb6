"""How one subgraph names the federation directives: `@link` imports, `as` renames, Federation 1."""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphql.language import DocumentNode, SchemaDefinitionNode, SchemaExtensionNode
from graphql.utilities import value_from_ast_untyped

FEDERATION_SPEC = re.compile(r"^https://specs\.apollo\.dev/federation/v(\d+)\.(\d+)/?$")

# The federation directives composition understands, by their canonical (spec) names.
FEDERATION_DIRECTIVES = (
    "key",
    "requires",
    "provides",
    "external",
    "shareable",
    "extends",
    "override",
    "inaccessible",
    "tag",
    "interfaceObject",
    # Carried into the supergraph as Apollo's composition does: the gateway enforces the
    # authorization ones (bff/authorization) and prices operations with the cost ones.
    "authenticated",
    "requiresScopes",
    "policy",
    "cost",
    "listSize",
    # Arguments the gateway fills from an ancestor's fields (bff/planning/contexts.py).
    "context",
    "fromContext",
)

# Directives that only inform tooling: dropped with a hint.
IGNORED_DIRECTIVES = ("composeDirective",)
KNOWN_DIRECTIVES = FEDERATION_DIRECTIVES + IGNORED_DIRECTIVES

# Federation 1 had no @link: its directives always had these bare names.
FEDERATION1_DIRECTIVES = (
    "key",
    "requires",
    "provides",
    "external",
    "extends",
    "inaccessible",
    "tag",
)

# Types and root fields a subgraph exposes for the federation protocol itself, never for clients.
INTERNAL_TYPES = frozenset(
    {"_Service", "_Entity", "_Any", "_FieldSet", "FieldSet", "link__Import", "link__Purpose"}
)
INTERNAL_TYPE_PREFIXES = ("link__", "federation__", "join__")
INTERNAL_QUERY_FIELDS = frozenset({"_service", "_entities"})


def is_internal_type(name: str) -> bool:
    return name in INTERNAL_TYPES or name.startswith(INTERNAL_TYPE_PREFIXES)


@dataclass(frozen=True, slots=True)
class FederationNames:
    """Maps the directive names used in one subgraph to canonical federation directive names."""

    is_federation2: bool
    canonical_by_local: dict[str, str]

    def canonical(self, local_name: str) -> str | None:
        return self.canonical_by_local.get(local_name)

    @classmethod
    def of(cls, document: DocumentNode) -> FederationNames:
        for definition in document.definitions:
            if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
                continue
            for directive in definition.directives or ():
                if directive.name.value != "link":
                    continue
                arguments = {
                    argument.name.value: value_from_ast_untyped(argument.value)
                    for argument in directive.arguments or ()
                }
                url = arguments.get("url")
                if isinstance(url, str) and FEDERATION_SPEC.match(url):
                    return cls._federation2(arguments)
        return cls(False, {name: name for name in FEDERATION1_DIRECTIVES})

    @classmethod
    def _federation2(cls, link_arguments: dict[str, object]) -> FederationNames:
        prefix = link_arguments.get("as") or "federation"
        # Directives not imported stay reachable under the spec's namespace, e.g. @federation__key.
        canonical_by_local = {f"{prefix}__{name}": name for name in KNOWN_DIRECTIVES}
        imports = link_arguments.get("import") or []
        for entry in imports if isinstance(imports, list) else []:
            if isinstance(entry, str):
                name, alias = entry, entry
            elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
                name = entry["name"]
                alias = entry.get("as") or name
            else:
                continue
            if name.startswith("@") and name[1:] in KNOWN_DIRECTIVES:
                canonical_by_local[str(alias).lstrip("@")] = name[1:]
        return cls(True, canonical_by_local)
