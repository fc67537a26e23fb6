"""Remove the fields a caller may not see from an operation, before it is planned.

`authorize_operation(prepared, schema, rules, caller)` walks the client's operation over the API
schema. A field whose requirement (`AccessRules`) the caller does not meet is taken out; so is a
field whose whole selection set was taken out (it would select nothing). Named fragments are
inlined, so each use is filtered in its own context. The result is the document to plan, which
no longer asks any subgraph for a refused field, and the removed fields with their response
paths, which the executor answers as null with a FORBIDDEN error each
(`bff.execution.error_masking.forbidden_error`). Shaping still follows the client's operation,
so the refused fields stay in the response, as null, in the client's order.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
)

from bff.authorization.access_rules import AccessRules
from bff.authorization.policies import Caller
from bff.execution.operation import PreparedOperation

_TYPENAME = "__typename"


@dataclass(frozen=True, slots=True)
class RemovedField:
    """A refused field: its parent's response path (response keys, lists not indexed), the
    type it was selected on, and its own response key."""

    parent_path: tuple[str, ...]
    parent_type: str
    response_key: str


@dataclass(frozen=True, slots=True)
class AuthorizedOperation:
    """The document to plan (None: every root field was refused) and what was removed."""

    document: DocumentNode | None
    removed: tuple[RemovedField, ...]


def authorize_operation(
    prepared: PreparedOperation, schema: GraphQLSchema, rules: AccessRules, caller: Caller
) -> AuthorizedOperation | None:
    """The operation as `caller` may run it, or None when nothing has to be removed."""
    definition = prepared.definition
    root = schema.get_root_type(definition.operation)
    if root is None:
        return None
    walk = _Walk(prepared, schema, rules, caller)
    selections = walk.selections(definition.selection_set, root, ())
    if not walk.removed:
        return None
    if not selections:
        return AuthorizedOperation(None, tuple(walk.removed))
    operation = OperationDefinitionNode(
        operation=definition.operation,
        name=definition.name,
        variable_definitions=definition.variable_definitions,
        directives=definition.directives,
        selection_set=SelectionSetNode(selections=tuple(selections)),
    )
    return AuthorizedOperation(DocumentNode(definitions=(operation,)), tuple(walk.removed))


class _Walk:
    def __init__(
        self, prepared: PreparedOperation, schema: GraphQLSchema, rules: AccessRules, caller: Caller
    ) -> None:
        self.prepared = prepared
        self.schema = schema
        self.rules = rules
        self.caller = caller
        self.removed: list[RemovedField] = []

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, path: tuple[str, ...]
    ) -> list[SelectionNode]:
        kept: list[SelectionNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field = self.field(selection, parent, path)
                if field is not None:
                    kept.append(field)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.prepared.fragments.get(selection.name.value)
                if fragment is None:
                    continue
                condition: NamedTypeNode | None = fragment.type_condition
                inner, directives = fragment.selection_set, selection.directives
            else:
                condition, inner = selection.type_condition, selection.selection_set
                directives = selection.directives
            scope = self.schema.get_type(condition.name.value) if condition else parent
            if scope is None:
                continue
            children = self.selections(inner, scope, path)
            if children:
                kept.append(
                    InlineFragmentNode(
                        type_condition=condition,
                        directives=directives,
                        selection_set=SelectionSetNode(selections=tuple(children)),
                    )
                )
        return kept

    def field(
        self, node: FieldNode, parent: GraphQLNamedType, path: tuple[str, ...]
    ) -> FieldNode | None:
        name = node.name.value
        key = node.alias.value if node.alias else name
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return node
        requirement = self.rules.requirement(parent.name, name)
        if requirement is not None and not requirement.allows(self.caller):
            self.removed.append(RemovedField(path, parent.name, key))
            return None
        if node.selection_set is None:
            return node
        definition = parent.fields.get(name)
        if definition is None:
            return node
        before = len(self.removed)
        children = self.selections(
            node.selection_set, get_named_type(definition.type), (*path, key)
        )
        if len(self.removed) == before:
            return node
        if not children or all(_is_typename(child) for child in children):
            # Nothing the caller may see is left below: the field itself is refused.
            del self.removed[before:]
            self.removed.append(RemovedField(path, parent.name, key))
            return None
        return FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=node.arguments,
            directives=node.directives,
            selection_set=SelectionSetNode(selections=tuple(children)),
        )


def _is_typename(selection: SelectionNode) -> bool:
    return isinstance(selection, FieldNode) and selection.name.value == _TYPENAME


__all__ = ["AuthorizedOperation", "RemovedField", "authorize_operation"]
