"""Query planning: a client operation over the supergraph -> a QueryPlan (pure, cached)."""

from .errors import PlanningError
from .nodes import (
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    RequiredField,
    RequiredSelection,
    Sequence,
    print_plan,
)
from .planner import QueryPlanner

__all__ = [
    "Fetch",
    "Flatten",
    "Parallel",
    "PlanNode",
    "PlanningError",
    "QueryPlan",
    "QueryPlanner",
    "RequiredField",
    "RequiredSelection",
    "Sequence",
    "print_plan",
]
