"""Execution: a QueryPlan -> subgraph fetches over pooled connections -> shaped response."""

from bff.execution.executor import GatewayResult, execute_plan
from bff.execution.operation import OperationNotFoundError, PreparedOperation, prepare_operation
from bff.execution.transport import SubgraphEndpoint, SubgraphFetchError, SubgraphTransport

__all__ = [
    "GatewayResult",
    "OperationNotFoundError",
    "PreparedOperation",
    "SubgraphEndpoint",
    "SubgraphFetchError",
    "SubgraphTransport",
    "execute_plan",
    "prepare_operation",
]
