"""The error raised when an operation cannot be planned over a supergraph."""

from __future__ import annotations


class PlanningError(Exception):
    """No subgraph path resolves part of the operation (or the operation is not plannable).

    Operations are validated against the API schema before planning, so this signals a
    supergraph the planner cannot serve (e.g. an entity with no usable key), not a client error.
    """


class PlanningBudgetExceeded(PlanningError):
    """The operation needs more planning steps than the gateway's budget allows."""
