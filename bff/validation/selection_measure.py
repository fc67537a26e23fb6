"""How deep, wide and aliased an operation is once its fragments are expanded.

The limit rules share this walk. Fragments are measured once each and reused wherever they are
spread, so a document whose fragments fan out exponentially is measured in linear time and its
expanded size is still counted in full.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language import SKIP, VisitorAction

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})

# Python recursion bounds the walk; anything nested deeper is rejected by the depth rule anyway.
MAX_NESTING = 256

FragmentLookup = Callable[[str], FragmentDefinitionNode | None]


@dataclass(frozen=True, slots=True)
class SelectionMeasure:
    """`depth` counts nested field levels outside introspection; `fields` and `aliases` count
    every field and alias after fragment expansion."""

    depth: int = 0
    fields: int = 0
    aliases: int = 0
    truncated: bool = False


def measure_selections(
    selection_set: SelectionSetNode, get_fragment: FragmentLookup
) -> SelectionMeasure:
    """Measure one operation's selection set (missing or cyclic fragments count as empty:
    graphql-core's spec rules report those)."""
    return _SelectionWalk(get_fragment).measure(selection_set, nesting=0)


class _SelectionWalk:
    def __init__(self, get_fragment: FragmentLookup) -> None:
        self._get_fragment = get_fragment
        self._fragments: dict[str, SelectionMeasure] = {}
        self._entered: set[str] = set()

    def measure(self, selection_set: SelectionSetNode, nesting: int) -> SelectionMeasure:
        if nesting > MAX_NESTING:
            return SelectionMeasure(depth=MAX_NESTING, truncated=True)
        depth = fields = aliases = 0
        truncated = False
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields += 1
                aliases += selection.alias is not None
                inner = SelectionMeasure()
                if selection.selection_set is not None:
                    inner = self.measure(selection.selection_set, nesting + 1)
                fields += inner.fields
                aliases += inner.aliases
                truncated |= inner.truncated
                if selection.name.value not in INTROSPECTION_ROOTS:
                    depth = max(depth, 1 + inner.depth)
                continue
            if isinstance(selection, InlineFragmentNode):
                inner = self.measure(selection.selection_set, nesting + 1)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self._fragment(selection.name.value, nesting)
            else:  # pragma: no cover - the AST has no other selection kinds
                continue
            depth = max(depth, inner.depth)
            fields += inner.fields
            aliases += inner.aliases
            truncated |= inner.truncated
        return SelectionMeasure(depth, fields, aliases, truncated)

    def _fragment(self, name: str, nesting: int) -> SelectionMeasure:
        known = self._fragments.get(name)
        if known is not None:
            return known
        fragment = self._get_fragment(name)
        if fragment is None or name in self._entered:
            return SelectionMeasure()
        self._entered.add(name)
        measured = self.measure(fragment.selection_set, nesting + 1)
        self._entered.discard(name)
        if not measured.truncated:
            self._fragments[name] = measured
        return measured


class OperationLimitRule(ASTValidationRule):
    """Base of the limit rules: measure each operation once and report when over `limit`.

    Subclasses set `limit` and `limit_name` and describe the excess in `violation`.
    """

    limit: ClassVar[int]
    limit_name: ClassVar[str]

    def violation(self, measure: SelectionMeasure) -> str | None:
        raise NotImplementedError

    def enter_operation_definition(
        self, node: OperationDefinitionNode, *_args: Any
    ) -> VisitorAction:
        message = self.violation(measure_selections(node.selection_set, self.context.get_fragment))
        if message is not None:
            self.report_error(GraphQLError(message, node, extensions={"limit": self.limit_name}))
        return SKIP

    def enter_fragment_definition(self, *_args: Any) -> VisitorAction:
        # Fragment definitions are measured where they are spread, not on their own.
        return SKIP
