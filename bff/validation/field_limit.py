"""Reject operations that select more fields than a limit once fragments are expanded."""

from __future__ import annotations

from graphql import ASTValidationRule

from bff.validation.selection_measure import OperationLimitRule, SelectionMeasure


def max_fields_rule(limit: int) -> type[ASTValidationRule]:
    """A rule class rejecting operations with more than `limit` fields after expansion."""

    class MaxFieldsRule(OperationLimitRule):
        """Reject operations that select more fields than the configured limit.

        Why: a small document can spread fragments that spread fragments, each several times,
        so its expanded size grows exponentially (the "billion laughs" shape). Planning, the
        subgraph documents and response shaping all scale with the expanded size, so it is
        bounded before any of them runs.
        """

        def violation(self, measure: SelectionMeasure) -> str | None:
            if measure.fields <= self.limit:
                return None
            return (
                f"Operation selects {measure.fields} fields once fragments are expanded; "
                f"the maximum is {self.limit}."
            )

    MaxFieldsRule.limit = limit
    MaxFieldsRule.limit_name = "fields"
    return MaxFieldsRule
