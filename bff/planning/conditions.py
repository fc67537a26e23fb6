"""What a fetch's `@skip`/`@include` conditions and root response keys are, read once at plan time.

The planner keeps a client's conditions inside the fetches (Apollo's planner makes a Condition
node instead), so a fetch under `... @include(if: $details)` is still in the plan when
`$details` is false. Each `Fetch` carries, per top-level selection (under `_entities` for an
entity fetch), the variable values that selection needs (`guards`); the executor skips a fetch
whose every selection the request's variables exclude, without reading the document again.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    VariableNode,
    parse,
)

from .selections import CLIENT_TYPENAME_KEY, TYPENAME

# (variable, the value it must have) pairs that must all hold for one selection to be present.
Guard = tuple[tuple[str, bool], ...]


class _AlwaysPresent(Exception):
    """A selection no variable can exclude: the fetch is always needed."""


def read_fetch(
    operation: str, renames: Sequence[tuple[tuple[str, ...], str, str]] = ()
) -> tuple[tuple[str, ...], tuple[Guard, ...] | None]:
    """(root response keys, guards) of a printed subgraph operation; guards are None when one
    selection needs no variable. A root field sent under a planner alias (`renames`) is
    reported under the client's response key."""
    document = parse(operation, no_location=True)
    definition = document.definitions[0]
    assert isinstance(definition, OperationDefinitionNode)
    selections: Sequence[SelectionNode] = definition.selection_set.selections
    keys: list[str] = []
    _collect_keys(selections, keys)
    client_keys = {
        alias: TYPENAME if stored == CLIENT_TYPENAME_KEY else stored
        for path, alias, stored in renames
        if not path
    }
    keys = [client_keys.get(key, key) for key in keys]
    for selection in selections:
        if isinstance(selection, FieldNode) and selection.name.value == "_entities":
            assert selection.selection_set is not None
            selections = selection.selection_set.selections
    guards: list[Guard] = []
    try:
        _collect_guards(selections, (), guards)
    except _AlwaysPresent:
        return tuple(dict.fromkeys(keys)), None
    return tuple(dict.fromkeys(keys)), tuple(guards)


def guard_of(conditions: Sequence[Sequence[DirectiveNode]]) -> frozenset[tuple[str, bool]] | None:
    """The (variable, value) pairs that must all hold for a selection under these nested
    `@skip`/`@include` directives; None when a literal condition always excludes it."""
    found: set[tuple[str, bool]] = set()
    for directives in conditions:
        pairs = _conditions(tuple(directives))
        if pairs is None:
            return None
        found.update(pairs)
    return frozenset(found)


def always_excluded(directives: Sequence[DirectiveNode] | None) -> bool:
    """Whether a literal `@skip(if: true)` or `@include(if: false)` leaves the selection out."""
    return bool(directives) and _conditions(tuple(directives or ())) is None


def _collect_keys(selections: Sequence[SelectionNode], keys: list[str]) -> None:
    for selection in selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name != "__typename":
                keys.append(selection.alias.value if selection.alias else name)
        elif isinstance(selection, InlineFragmentNode):
            _collect_keys(selection.selection_set.selections, keys)


def _collect_guards(selections: Sequence[SelectionNode], outer: Guard, guards: list[Guard]) -> None:
    for selection in selections:
        conditions = _conditions(tuple(selection.directives or ()))
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
