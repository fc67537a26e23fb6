"""Identical subgraph queries in flight at the same time are sent once and the answer shared.

Under load many clients ask the same thing at once (a leaderboard, a lesson list): one request
per distinct (subgraph, document, variables, forwarded identity) goes out, and every caller that
asked for the same while it was in flight gets its answer. The identity headers are part of the
key, so one user's answer never reaches another. Only queries are shared: two identical
mutations are two intended writes. The raw body is shared, not a parsed document, so no caller
can change what another one reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class InFlightFetches:
    """Shares the result of a running call with callers asking for the same key."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Task[object]] = {}
        self.shared = 0  # calls answered by another caller's request (for tests and metrics)

    async def share(self, key: Hashable, call: Callable[[], Awaitable[T]]) -> T:
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(call())
            self._running[key] = task
            task.add_done_callback(lambda _: self._running.pop(key, None))
        else:
            self.shared += 1
        # Shielded: a caller that gives up (its client went away) does not cancel the others'.
        return await asyncio.shield(task)  # type: ignore[return-value]
