"""Per-subgraph request budgets: the whole call (connect, send, read body) must fit in it.

A slow subgraph must not hold the client's request hostage: when its budget runs out the
transport raises a `SubgraphFetchError` and the executor answers with partial data. The budget
is the endpoint's own, cut to what the request's deadline leaves (`deadline`).
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import TYPE_CHECKING, Any

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


class AttemptTimers:
    """Cancels each attempt in flight on one event loop when its budget runs out, as
    `asyncio.timeout` would, under one loop timer set for the earliest of them.

    `asyncio.timeout` costs an attempt (six per deep query) several microseconds: its context
    manager, and a loop timer of its own pushed on the loop's heap (where a cancelled one stays
    until the heap is cleaned). Here an attempt adds itself to a dict; the loop timer is moved
    only for an attempt ending sooner than every other. When it fires, the attempts due (by the
    loop's own rule: due within the clock's resolution) are cancelled and it is set for the next.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._running: dict[AttemptTimer, None] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._next = math.inf
        self._resolution = time.get_clock_info("monotonic").resolution

    def start(self, seconds: float) -> AttemptTimer:
        """A timer cancelling the running task `seconds` from now, unless stopped before."""
        task = asyncio.current_task(self.loop)
        if task is None:
            raise RuntimeError("an attempt's timer must run inside a task")
        timer = AttemptTimer(self, task, self.loop.time() + seconds)
        self._running[timer] = None
        if timer.when < self._next:
            self._schedule(timer.when)
        return timer

    def _schedule(self, when: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._next = when
        self._handle = self.loop.call_at(when, self._fire)

    def _fire(self) -> None:
        self._handle, self._next = None, math.inf
        due = self.loop.time() + self._resolution
        earliest = math.inf
        for timer in list(self._running):
            if timer.when < due:
                del self._running[timer]
                timer.expire()
            elif timer.when < earliest:
                earliest = timer.when
        if earliest < math.inf:
            self._schedule(earliest)

    def _forget(self, timer: AttemptTimer) -> None:
        self._running.pop(timer, None)


class AttemptTimer:
    """One attempt's budget (see `AttemptTimers`)."""

    __slots__ = ("_cancelling", "_fired", "_task", "_timers", "when")

    def __init__(self, timers: AttemptTimers, task: asyncio.Task[Any], when: float) -> None:
        self._timers = timers
        self._task = task
        self._cancelling = task.cancelling()
        self._fired = False
        self.when = when

    def expire(self) -> None:
        self._fired = True
        self._task.cancel()

    def stop(self) -> bool:
        """End the timer; True when it cancelled the task and that is the task's only
        cancellation (the attempt timed out), as `asyncio.timeout` tells them apart. Only
        meaningful while a `CancelledError` is being handled."""
        if not self._fired:
            self._timers._forget(self)
            return False
        self._fired = False
        return self._task.uncancel() <= self._cancelling
