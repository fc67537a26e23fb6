"""Validation rules the gateway adds to the GraphQL spec's, one `ASTValidationRule` per file."""

from __future__ import annotations

from graphql import ASTValidationRule, specified_rules
from graphql.validation import NoSchemaIntrospectionCustomRule

from bff.validation.alias_limit import max_aliases_rule
from bff.validation.cost_limit import CostModel, max_cost_rule
from bff.validation.depth_limit import max_depth_rule
from bff.validation.field_limit import max_fields_rule
from bff.validation.repeated_fields import max_repeated_fields_rule

__all__ = [
    "CostModel",
    "document_limit_rules",
    "gateway_rules",
    "max_aliases_rule",
    "max_cost_rule",
    "max_depth_rule",
    "max_fields_rule",
    "max_repeated_fields_rule",
]


def document_limit_rules(*, max_repeated_fields: int) -> tuple[type[ASTValidationRule], ...]:
    """Cheap limits checked before the spec's rules, whose cost they bound: a document that
    breaks one is refused with its limit named, without running the expensive validation."""
    return (max_repeated_fields_rule(max_repeated_fields),)


def gateway_rules(
    *,
    max_depth: int,
    max_aliases: int,
    max_fields: int,
    introspection_enabled: bool = True,
    max_cost: int = 0,
    cost_model: CostModel | None = None,
    default_list_size: int = 10,
) -> tuple[type[ASTValidationRule], ...]:
    """The spec's rules plus the gateway's limits, in the order graphql-core runs them."""
    rules: list[type[ASTValidationRule]] = [
        *specified_rules,
        max_depth_rule(max_depth),
        max_aliases_rule(max_aliases),
        max_fields_rule(max_fields),
    ]
    if max_cost > 0:
        rules.append(max_cost_rule(max_cost, cost_model or CostModel(), default_list_size))
    if not introspection_enabled:
        # graphql-core's own rule: rejects `__schema`/`__type` so a deployment can hide the schema.
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)
