"""GraphQL type references as printed strings ("[String!]!") and the subtyping rules of merging."""

from __future__ import annotations

from collections.abc import Callable

from graphql.language import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode

# Decides whether the named output type `sub` can stand where `sup` is expected (an object for an
# interface it implements, a member for its union).
NamedSubtype = Callable[[str, str], bool]


def type_reference(node: TypeNode) -> str:
    if isinstance(node, NonNullTypeNode):
        return f"{type_reference(node.type)}!"
    if isinstance(node, ListTypeNode):
        return f"[{type_reference(node.type)}]"
    assert isinstance(node, NamedTypeNode)
    return node.name.value


def named_type(reference: str) -> str:
    return reference.strip("[]!")


def is_non_null(reference: str) -> bool:
    return reference.endswith("!")


def is_subtype(sub: str, sup: str, named_subtype: NamedSubtype) -> bool:
    """Apollo's default field-type subtyping: a non-null type is a subtype of its nullable form,
    lists are covariant, and an object is a subtype of its interfaces and unions."""
    if sub == sup:
        return True
    if is_non_null(sup):
        return is_non_null(sub) and is_subtype(sub[:-1], sup[:-1], named_subtype)
    if is_non_null(sub):
        return is_subtype(sub[:-1], sup, named_subtype)
    if sup.startswith("["):
        return sub.startswith("[") and is_subtype(sub[1:-1], sup[1:-1], named_subtype)
    if sub.startswith("["):
        return False
    return named_subtype(sub, sup)
