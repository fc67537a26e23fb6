"""Reject operations that use more aliases than a limit."""

from __future__ import annotations

from graphql import ASTValidationRule

from bff.validation.selection_measure import OperationLimitRule, SelectionMeasure


def max_aliases_rule(limit: int) -> type[ASTValidationRule]:
    """A rule class rejecting operations with more than `limit` aliases (after expansion)."""

    class MaxAliasesRule(OperationLimitRule):
        """Reject operations with more aliases than the configured limit.

        Why: aliases let one request ask for the same expensive field many times with
        different arguments (`a1: student(id: 1) a2: student(id: 2) ...`), which turns a single
        HTTP request into a batch attack on the subgraphs and defeats per-request rate limits.
        """

        def violation(self, measure: SelectionMeasure) -> str | None:
            if measure.aliases <= self.limit:
                return None
            return f"Operation uses {measure.aliases} aliases; the maximum is {self.limit}."

    MaxAliasesRule.limit = limit
    MaxAliasesRule.limit_name = "aliases"
    return MaxAliasesRule
