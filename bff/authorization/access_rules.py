"""What each field of the supergraph asks of its caller, read once per supergraph.

From Apollo's authorization specs (https://specs.apollo.dev/authenticated/v0.1,
requiresScopes/v0.1, policy/v0.1), applied to fields and to the types fields return:

- `@authenticated`: a verified user;
- `@requiresScopes(scopes: [["a", "b"], ["c"]])`: the caller holds every scope of at least one
  inner list (a OR of ANDs);
- `@policy(policies: [["p", "q"], ["r"]])`: the same over policies (`policies.PolicyRules`).

A field's requirement is its own directives AND those of the type it returns (object,
interface, scalar or enum; for an abstract type, also those of each possible object type), so a
type marked `@authenticated` is protected wherever it appears. An interface field also asks what
the same field of every implementation asks: selecting it on the interface must not reach a
protected implementation field unchecked.
Directive names are resolved through the supergraph's `@link`s, so renamed imports work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphql import (
    ConstDirectiveNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLUnionType,
    ListValueNode,
    StringValueNode,
    get_named_type,
)

from bff.authorization.policies import Caller
from bff.supergraph import Supergraph
from bff.supergraph.links import schema_links

# A OR of ANDs: the caller must hold all of one inner set.
Alternatives = tuple[frozenset[str], ...]


@dataclass(frozen=True, slots=True)
class Requirement:
    authenticated: bool = False
    scopes: tuple[Alternatives, ...] = ()  # each must hold (field's and type's)
    policies: tuple[Alternatives, ...] = ()

    def allows(self, caller: Caller) -> bool:
        if (self.authenticated or self.scopes or self.policies) and not caller.authenticated:
            return False
        return all(any(needed <= caller.scopes for needed in one) for one in self.scopes) and all(
            any(needed <= caller.policies for needed in one) for one in self.policies
        )

    def and_(self, other: Requirement) -> Requirement:
        return Requirement(
            self.authenticated or other.authenticated,
            self.scopes + other.scopes,
            self.policies + other.policies,
        )

    def __bool__(self) -> bool:
        return self.authenticated or bool(self.scopes) or bool(self.policies)


class AccessRules:
    """The requirement of every protected field, by (parent type, field name)."""

    def __init__(self, supergraph: Supergraph) -> None:
        schema = supergraph.schema
        links = schema_links(schema)
        self._names = {
            kind: spec.directive_name(kind)
            for kind in ("authenticated", "requiresScopes", "policy")
            if (spec := links.spec(kind)) is not None
        }
        self.fields: dict[tuple[str, str], Requirement] = {}
        self.scopes_used: frozenset[str] = frozenset()
        self.policies_used: frozenset[str] = frozenset()
        if not self._names:
            return
        types = {
            name: self._read(named.ast_node, named.extension_ast_nodes)
            for name, named in schema.type_map.items()
            if not name.startswith("__")
        }
        scopes: set[str] = set()
        policies: set[str] = set()
        for type_name, named in schema.type_map.items():
            if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                continue
            for field_name, field in named.fields.items():
                own = self._read(field.ast_node, ())
                returned: GraphQLNamedType = get_named_type(field.type)
                requirement = own.and_(types.get(returned.name, Requirement()))
                if isinstance(returned, GraphQLInterfaceType | GraphQLUnionType):
                    # Whatever object the field returns may be one its type protects.
                    for possible in schema.get_possible_types(returned):
                        requirement = requirement.and_(types.get(possible.name, Requirement()))
                if isinstance(named, GraphQLInterfaceType):
                    # Selected on the interface, the field may be any implementation's: it asks
                    # what each of them asks (as Apollo's composition carries them up).
                    for implementation in schema.get_possible_types(named):
                        other = implementation.fields.get(field_name)
                        if other is not None:
                            requirement = requirement.and_(self._read(other.ast_node, ()))
                if requirement:
                    self.fields[(type_name, field_name)] = requirement
                    for one in requirement.scopes:
                        scopes.update(*one)
                    for one in requirement.policies:
                        policies.update(*one)
        self.scopes_used = frozenset(scopes)
        self.policies_used = frozenset(policies)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def requirement(self, type_name: str, field_name: str) -> Requirement | None:
        return self.fields.get((type_name, field_name))

    def cache_key(self, caller: Caller) -> Caller:
        """The caller reduced to what the rules look at (a small key for cached plans)."""
        return Caller(
            caller.authenticated,
            caller.scopes & self.scopes_used,
            caller.policies & self.policies_used,
        )

    def _read(self, node: object, extensions: Iterable[object]) -> Requirement:
        directives: list[ConstDirectiveNode] = []
        for source in (node, *extensions):
            directives.extend(getattr(source, "directives", None) or ())
        requirement = Requirement()
        for directive in directives:
            name = directive.name.value
            if name == self._names.get("authenticated"):
                requirement = requirement.and_(Requirement(authenticated=True))
            elif name == self._names.get("requiresScopes"):
                requirement = requirement.and_(Requirement(scopes=(_alternatives(directive),)))
            elif name == self._names.get("policy"):
                requirement = requirement.and_(Requirement(policies=(_alternatives(directive),)))
        return requirement


def _alternatives(directive: ConstDirectiveNode) -> Alternatives:
    """`[["a", "b"], ["c"]]` as ({a, b}, {c}); an empty list allows no one."""
    value = next((argument.value for argument in directive.arguments or ()), None)
    if not isinstance(value, ListValueNode):
        return ()
    return tuple(
        frozenset(item.value for item in inner.values if isinstance(item, StringValueNode))
        for inner in value.values
        if isinstance(inner, ListValueNode)
    )
