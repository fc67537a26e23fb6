"""Reading a client operation's selections: fields through fragments, response keys, @provides."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
)

TYPENAME = "__typename"
# Where the merged answer keeps a client field the client names `__typename` (an alias on
# another field): `__typename` there always holds the object's type, which merging,
# representations and abstract types read. Not a GraphQL name, so no client key equals it.
CLIENT_TYPENAME_KEY = "__typename:client"

Fragments = dict[str, FragmentDefinitionNode]
# Whether a fragment on the first type applies to objects of the second.
Applies = Callable[[str, str], bool]


def client_fields(selections: Sequence[SelectionNode], fragments: Fragments) -> Iterator[FieldNode]:
    """Client fields on one object, through fragments (whatever their type condition)."""
    for node in selections:
        if isinstance(node, FieldNode):
            yield node
        elif isinstance(node, InlineFragmentNode):
            yield from client_fields(node.selection_set.selections, fragments)
        elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
            yield from client_fields(fragments[node.name.value].selection_set.selections, fragments)


def client_children(
    selections: Sequence[SelectionNode], response_key: str, fragments: Fragments
) -> tuple[SelectionNode, ...]:
    """The client's sub-selections of every field with this response key."""
    children: list[SelectionNode] = []
    for node in client_fields(selections, fragments):
        key = node.alias.value if node.alias else node.name.value
        if key == response_key and node.selection_set is not None:
            children.extend(node.selection_set.selections)
    return tuple(children)


def fields_of(
    selections: Sequence[SelectionNode], fragments: Fragments, type_name: str, applies: Applies
) -> Iterator[FieldNode]:
    """Fields that apply to an object of `type_name` (fragments flattened)."""
    for node in selections:
        if isinstance(node, FieldNode):
            yield node
            continue
        if isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            inner: Sequence[SelectionNode] = node.selection_set.selections
        elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
            definition = fragments[node.name.value]
            condition = definition.type_condition.name.value
            inner = definition.selection_set.selections
        else:
            continue
        if condition is None or applies(condition, type_name):
            yield from fields_of(inner, fragments, type_name, applies)


def find_provided(
    provided: SelectionSetNode | None, name: str, type_name: str, applies: Applies
) -> tuple[bool, SelectionSetNode | None]:
    """Whether `@provides` covers field `name` here, and what it provides below it."""
    if provided is None:
        return False, None
    for node in provided.selections:
        if isinstance(node, FieldNode) and node.name.value == name:
            return True, node.selection_set
        if isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else type_name
            if applies(condition, type_name):
                found = find_provided(node.selection_set, name, type_name, applies)
                if found[0]:
                    return found
    return False, None


def stored_key(response_key: str, field_name: str) -> str:
    """The key a client field's value has in the merged answer (its response key, but for a
    field other than `__typename` that the client names `__typename`)."""
    if response_key == TYPENAME and field_name != TYPENAME:
        return CLIENT_TYPENAME_KEY
    return response_key


def alias_of(node: FieldNode) -> str | None:
    return node.alias.value if node.alias else None
