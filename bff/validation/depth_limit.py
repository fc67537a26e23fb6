"""Reject operations nested deeper than a limit."""

from __future__ import annotations

from graphql import ASTValidationRule

from bff.validation.selection_measure import OperationLimitRule, SelectionMeasure


def max_depth_rule(limit: int) -> type[ASTValidationRule]:
    """A rule class rejecting operations with more than `limit` nested field levels."""

    class MaxDepthRule(OperationLimitRule):
        """Reject operations nested deeper than the configured limit.

        Why: a federated schema has cycles (a student's completions have lessons, a leaderboard
        entry has a student, ...), so a client can ask for unbounded nesting, and each level may
        cost another subgraph round trip. Introspection is left to graphql-core's
        `MaxIntrospectionDepthRule`, so GraphiQL's introspection query is not counted here.
        """

        def violation(self, measure: SelectionMeasure) -> str | None:
            if measure.depth <= self.limit:
                return None
            shown = f"more than {measure.depth}" if measure.truncated else str(measure.depth)
            return f"Operation is nested {shown} levels deep; the maximum is {self.limit}."

    MaxDepthRule.limit = limit
    MaxDepthRule.limit_name = "depth"
    return MaxDepthRule
