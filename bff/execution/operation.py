"""A client operation made ready to shape answers: its definition and its fragments by name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    visit,
)


class OperationNotFoundError(ValueError):
    """The document has no operation with that name, or several and no name was given."""


@dataclass(slots=True, eq=False)
class PreparedOperation:
    """The parts of a validated document the shaper walks; built once and cached by the edge.

    `shape_cache` memoises, per schema and runtime type, which fields each selection set yields;
    the shaper fills it. `condition_variables` names the variables some `@skip`/`@include`
    takes (sorted): the fields then depend on their values, so the memo is kept per schema and
    combination of those values.
    """

    document: DocumentNode
    definition: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    root_selections: tuple[SelectionSetNode, ...]
    condition_variables: tuple[str, ...]
    shape_cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        return self.definition.operation.value

    @property
    def variable_conditions(self) -> bool:
        """Does some `@skip`/`@include` take a variable?"""
        return bool(self.condition_variables)


def prepare_operation(document: DocumentNode, operation_name: str | None) -> PreparedOperation:
    """Pick the operation to run (by name, or the only one) and index the fragments."""
    operations: list[OperationDefinitionNode] = []
    fragments: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
        elif isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = definition
    chosen = _choose(operations, operation_name)
    return PreparedOperation(
        document=document,
        definition=chosen,
        fragments=fragments,
        root_selections=(chosen.selection_set,),
        condition_variables=_condition_variables(document),
    )


def _condition_variables(document: DocumentNode) -> tuple[str, ...]:
    found: set[str] = set()

    class _ConditionFinder(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: Any) -> Any:
            if node.name.value in ("skip", "include"):
                found.update(
                    argument.value.name.value
                    for argument in node.arguments
                    if isinstance(argument.value, VariableNode)
                )

    visit(document, _ConditionFinder())
    return tuple(sorted(found))


def _choose(
    operations: list[OperationDefinitionNode], operation_name: str | None
) -> OperationDefinitionNode:
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        if not operations:
            raise OperationNotFoundError("The document contains no operation.")
        raise OperationNotFoundError(
            "The document contains several operations; provide an operationName."
        )
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    raise OperationNotFoundError(f"Unknown operation named '{operation_name}'.")
