"""Per-subgraph request budgets: the whole call (connect, send, read body) must fit in it.

A slow subgraph must not hold the client's request hostage: when its budget runs out the
transport raises a `SubgraphFetchError` and the executor answers with partial data. The budget
is the endpoint's own, cut to what the request's deadline leaves (`deadline`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bff.execution.deadline import Deadline
    from bff.execution.transport import SubgraphEndpoint

# Connecting is quick or hopeless: a refused or black-holed host should fail well before a
# generous read budget runs out.
MAX_CONNECT_SECONDS = 3.0


def budget_seconds(endpoint: SubgraphEndpoint, deadline: Deadline | None) -> float:
    """Seconds this call may take: the endpoint's timeout, or less when the deadline is near."""
    if deadline is None:
        return endpoint.timeout
    return min(endpoint.timeout, deadline.remaining())
