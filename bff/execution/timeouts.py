"""Per-subgraph request budgets: the whole call (connect, send, read body) must fit in it.

A slow subgraph must not hold the client's request hostage: when its budget runs out the
transport raises a `SubgraphFetchError` and the executor answers with partial data.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import aiohttp

if TYPE_CHECKING:
    from bff.execution.transport import SubgraphEndpoint

# Connecting is quick or hopeless: a refused or black-holed host should fail well before a
# generous read budget runs out.
MAX_CONNECT_SECONDS = 3.0


def client_timeout(endpoint: SubgraphEndpoint) -> aiohttp.ClientTimeout:
    """The aiohttp timeout for one request to `endpoint` (cached per budget)."""
    return _timeout_for(endpoint.timeout)


@lru_cache(maxsize=32)
def _timeout_for(seconds: float) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=seconds, sock_connect=min(seconds, MAX_CONNECT_SECONDS))
