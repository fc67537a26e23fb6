"""Reject selection sets that select the same response key more than a limit."""

from __future__ import annotations

from collections import Counter
from typing import Any

from graphql import ASTValidationRule, FieldNode, GraphQLError, SelectionSetNode


def max_repeated_fields_rule(limit: int) -> type[ASTValidationRule]:
    """A rule class rejecting a selection set that repeats one response key over `limit` times."""

    class MaxRepeatedFieldsRule(ASTValidationRule):
        """Reject one response key selected more than the configured number of times in one
        selection set.

        Why: the spec's OverlappingFieldsCanBeMerged compares every pair of fields that share a
        response key, so `{ a a a ... }` costs time and memory quadratic in its length: a 10 KB
        document of 800 identical fields costs seconds of CPU before it is rejected, and
        `__typename` a thousand times ends as graphql-core's bare "Validation aborted.". Run
        before the spec's rules (see `document_limit_rules`), this names the limit and count.
        """

        def enter_selection_set(self, node: SelectionSetNode, *_args: Any) -> None:
            keys = Counter(
                (selection.alias or selection.name).value
                for selection in node.selections
                if isinstance(selection, FieldNode)
            )
            for key, count in keys.items():
                if count > limit:
                    self.report_error(
                        GraphQLError(
                            f"The selection set selects '{key}' {count} times; "
                            f"the maximum for one field is {limit}.",
                            node,
                            extensions={"limit": "repeatedFields"},
                        )
                    )

    return MaxRepeatedFieldsRule
