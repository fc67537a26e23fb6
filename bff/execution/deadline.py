"""One deadline per client request, shared by every stage that waits on something.

The edge sets it when a request arrives (the `REQUEST_DEADLINE_SECONDS` setting; in Lambda no
later than the invocation's remaining time, less a margin to send the answer). Subgraph calls
read it from the context: each call's timeout is cut to what is left, and a call that would
start after it has passed fails at once. What has arrived by then is answered, with errors for
the rest, instead of the whole request timing out at API Gateway with nothing.

A context variable rather than a parameter: asyncio copies the context into the tasks a plan
runs in parallel, so every fetch of the request sees the same deadline without the executor
threading it through.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

# Left to send the answer after the last subgraph call gave up, in Lambda.
LAMBDA_RESPONSE_MARGIN_SECONDS = 0.5

_current: ContextVar[Deadline | None] = ContextVar("bff_request_deadline", default=None)


@dataclass(frozen=True, slots=True)
class Deadline:
    """A moment on the monotonic clock by which the request must be answered."""

    expires_at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.expires_at - time.monotonic()

    @property
    def passed(self) -> bool:
        return self.remaining() <= 0


def request_deadline(seconds: float, lambda_context: Any | None = None) -> Deadline:
    """The deadline of a request arriving now: `seconds` from now, or earlier when the Lambda
    invocation running it ends sooner."""
    budget = seconds
    remaining_ms = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if remaining_ms is not None:
        budget = min(budget, remaining_ms() / 1000 - LAMBDA_RESPONSE_MARGIN_SECONDS)
    return Deadline.after(budget)


def current_deadline() -> Deadline | None:
    """The deadline of the request being served (None outside a request)."""
    return _current.get()


@contextmanager
def deadline_scope(deadline: Deadline | None) -> Iterator[None]:
    """Run the block (and the tasks it starts) under `deadline`."""
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)
