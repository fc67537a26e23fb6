"""Counts the BFF's subgraph requests per invocation, for the local API Gateway's log line.

The emulator runs the real handler in its own process, one invocation at a time on one worker
thread, so wrapping the transport's `fetch` (the one call every subgraph request goes through,
see `bff/execution/transport.py`) counts exactly the requests of the current invocation. Only
the local stack installs it; the Lambda package never contains this module.
"""

from __future__ import annotations

import functools
from typing import Any


class SubgraphCallCounter:
    """`install()` once per process, then `take()` after each invocation."""

    def __init__(self) -> None:
        self._count = 0

    def install(self) -> bool:
        """Wrap `SubgraphTransport.fetch`; False when the gateway has no such transport."""
        try:
            from bff.execution.transport import SubgraphTransport
        except ImportError:
            return False
        original = SubgraphTransport.fetch
        if getattr(original, "__counted__", False):
            return True
        counter = self

        @functools.wraps(original)
        async def fetch(transport: Any, *args: Any, **kwargs: Any) -> Any:
            counter._count += 1
            return await original(transport, *args, **kwargs)

        fetch.__counted__ = True  # type: ignore[attr-defined]
        SubgraphTransport.fetch = fetch  # type: ignore[method-assign]
        return True

    def take(self) -> int:
        """The requests made since the last `take()`."""
        count, self._count = self._count, 0
        return count
