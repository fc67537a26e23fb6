"""Whether a request's `@skip`/`@include` variables exclude everything an entity fetch selects.

The planner keeps a client's conditions inside the fetches (Apollo's planner makes a Condition
node instead), so an entity fetch under `... @include(if: $details)` is still in the plan when
`$details` is false. Its subgraph would answer empty objects: the executor skips the call.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    VariableNode,
    parse,
)

# (variable, the value it must have) pairs that must all hold for one selection to be present.
Guard = tuple[tuple[str, bool], ...]


class _AlwaysPresent(Exception):
    """A selection no variable can exclude: the fetch is always needed."""


def excludes_every_selection(operation: str, variables: Mapping[str, Any]) -> bool:
    """True when `variables` exclude every selection under the fetch's `_entities` field."""
    guards = entity_selection_guards(operation)
    if guards is None:
        return False
    return all(
        any(name in variables and variables[name] is not wanted for name, wanted in guard)
        for guard in guards
    )


@lru_cache(maxsize=1024)
def entity_selection_guards(operation: str) -> tuple[Guard, ...] | None:
    """Per selection under `_entities`, the conditions it needs; None when one needs none."""
    document = parse(operation, no_location=True)
    definition = document.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    guards: list[Guard] = []
    try:
        for selection in definition.selection_set.selections:
            if isinstance(selection, FieldNode) and selection.name.value == "_entities":
                assert selection.selection_set is not None
                _collect_guards(selection.selection_set.selections, (), guards)
    except _AlwaysPresent:
        return None
    return tuple(guards)


def _collect_guards(selections: Any, outer: Guard, guards: list[Guard]) -> None:
    for selection in selections:
        conditions = _conditions(selection.directives or ())
        if conditions is None:
            continue  # a literal condition leaves it out whatever the variables
        guard = (*outer, *conditions)
        if isinstance(selection, InlineFragmentNode):
            _collect_guards(selection.selection_set.selections, guard, guards)
        elif not guard:
            raise _AlwaysPresent
        else:
            guards.append(guard)


def _conditions(directives: tuple[DirectiveNode, ...]) -> Guard | None:
    """The variable conditions of `@skip`/`@include`; None when a literal excludes the node."""
    found: list[tuple[str, bool]] = []
    for directive in directives:
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        wanted = name == "include"
        value = next((arg.value for arg in directive.arguments if arg.name.value == "if"), None)
        if isinstance(value, VariableNode):
            found.append((value.name.value, wanted))
        elif isinstance(value, BooleanValueNode) and value.value is not wanted:
            return None
    return tuple(found)
