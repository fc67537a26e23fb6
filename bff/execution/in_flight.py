"""Identical subgraph queries in flight at the same time are sent once and the answer shared.

Under load many clients ask the same thing at once (a leaderboard, a lesson list): one request
per distinct (subgraph, document, variables, forwarded identity) goes out, and every caller that
asked for the same while it was in flight gets its answer. The identity headers are part of the
key, so one user's answer never reaches another. Only queries are shared: two identical
mutations are two intended writes. The raw body is shared, not a parsed document, so no caller
can change what another one reads.

The first caller sends the request in its own task (no task per call: most calls are shared
with nobody); callers asking for the same meanwhile wait on a future each. A waiter that gives
up (its client went away) leaves the others waiting. When the sender gives up before the answer,
its request is cancelled with it and the callers still waiting ask again: one of them sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")

# What a waiter is told when the sender was cancelled before the answer: ask again.
_SENDER_LEFT: Any = object()


class InFlightFetches:
    """Shares the result of a running call with callers asking for the same key."""

    def __init__(self) -> None:
        # Per key in flight, the futures of the callers waiting on its sender.
        self._running: dict[Hashable, list[asyncio.Future[Any]]] = {}
        self.shared = 0  # calls answered by another caller's request (for tests and metrics)

    async def share(self, key: Hashable, call: Callable[[], Awaitable[T]]) -> T:
        while (waiting := self._running.get(key)) is not None:
            self.shared += 1
            answer = asyncio.get_running_loop().create_future()
            waiting.append(answer)
            outcome = await answer
            if outcome is not _SENDER_LEFT:
                return cast(T, outcome)
            self.shared -= 1  # not answered by another's request after all
        waiting = self._running[key] = []
        try:
            result = await call()
        except Exception as error:
            self._done(key, waiting, asyncio.Future.set_exception, error)
            raise
        except BaseException:  # cancelled: the callers still waiting ask again
            self._done(key, waiting, asyncio.Future.set_result, _SENDER_LEFT)
            raise
        self._done(key, waiting, asyncio.Future.set_result, result)
        return result

    def _done(
        self,
        key: Hashable,
        waiting: list[asyncio.Future[Any]],
        tell: Callable[[asyncio.Future[Any], Any], None],
        outcome: Any,
    ) -> None:
        # Out of the table first: a caller asking after the answer sends the query again.
        del self._running[key]
        for answer in waiting:
            if not answer.done():  # a waiter that gave up has a cancelled future
                tell(answer, outcome)
