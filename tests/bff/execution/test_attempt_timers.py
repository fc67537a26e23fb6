"""Attempt budgets under one loop timer: each attempt is cancelled at its own moment, whatever
the others in flight do, and told apart from a cancellation that came from outside."""

from __future__ import annotations

import asyncio

import pytest

from bff.execution import SubgraphEndpoint, SubgraphFetchError, SubgraphTransport
from bff.execution.timeouts import AttemptTimers
from tests.bff.execution.scripted_subgraph import ScriptedSubgraph

QUERY = {"query": "{ userCount }"}


async def _attempt(timers: AttemptTimers, seconds: float, hold: float, ended: list[str]) -> str:
    """Waits `hold` seconds under a `seconds` budget; says how it ended."""
    timer = timers.start(seconds)
    try:
        await asyncio.sleep(hold)
    except asyncio.CancelledError:
        if not timer.stop():
            raise
        outcome = f"timed out {seconds}"
    else:
        timer.stop()
        outcome = f"done {hold}"
    ended.append(outcome)
    return outcome


async def test_each_attempt_times_out_at_its_own_budget() -> None:
    timers = AttemptTimers(asyncio.get_running_loop())
    ended: list[str] = []
    # The later attempt has the shorter budget: the shared timer is moved earlier for it, and
    # still fires again for the first one.
    long = asyncio.create_task(_attempt(timers, 0.4, 5, ended))
    await asyncio.sleep(0)
    short = asyncio.create_task(_attempt(timers, 0.1, 5, ended))
    quick = asyncio.create_task(_attempt(timers, 0.3, 0, ended))
    assert await asyncio.gather(long, short, quick) == ["timed out 0.4", "timed out 0.1", "done 0"]
    assert ended == ["done 0", "timed out 0.1", "timed out 0.4"]


async def test_an_attempt_ending_first_leaves_the_others_budgets() -> None:
    timers = AttemptTimers(asyncio.get_running_loop())
    ended: list[str] = []
    first = asyncio.create_task(_attempt(timers, 0.1, 0.02, ended))
    second = asyncio.create_task(_attempt(timers, 0.2, 5, ended))
    third = asyncio.create_task(_attempt(timers, 5, 0.3, ended))
    assert await asyncio.gather(first, second, third) == [
        "done 0.02",
        "timed out 0.2",
        "done 0.3",
    ]


async def test_a_cancellation_from_outside_is_not_a_timeout() -> None:
    timers = AttemptTimers(asyncio.get_running_loop())
    ended: list[str] = []
    task = asyncio.create_task(_attempt(timers, 5, 5, ended))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ended == []


async def test_an_outside_cancellation_at_the_budget_still_cancels() -> None:
    # The timer fired and the request was cancelled too: the cancellation wins, as under
    # asyncio.timeout (the task's cancel count says there were two).
    timers = AttemptTimers(asyncio.get_running_loop())
    loop = asyncio.get_running_loop()
    ended: list[str] = []
    task = asyncio.create_task(_attempt(timers, 0.05, 5, ended))
    await asyncio.sleep(0)
    loop.call_at(task_when(timers), task.cancel)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ended == []


def task_when(timers: AttemptTimers) -> float:
    (timer,) = timers._running
    return timer.when


def test_a_timer_outside_a_task_is_refused() -> None:
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(RuntimeError):
            AttemptTimers(loop).start(1)
    finally:
        loop.close()


async def test_concurrent_calls_each_end_at_their_own_timeout(scripted: ScriptedSubgraph) -> None:
    scripted.script = lambda _: "hang"
    transport = SubgraphTransport()
    slow = SubgraphEndpoint("accounts", scripted.url, None, timeout=0.5)
    fast = SubgraphEndpoint("accounts", scripted.url, None, timeout=0.1)
    reasons: list[str] = []

    async def call(endpoint: SubgraphEndpoint, query: str) -> None:
        with pytest.raises(SubgraphFetchError) as raised:
            await transport.fetch(endpoint, {"query": query}, {})
        reasons.append(raised.value.reason)

    try:
        await asyncio.gather(call(slow, "{ a: userCount }"), call(fast, "{ b: userCount }"))
    finally:
        await transport.close()
    assert reasons == ["timed out after 0.1s", "timed out after 0.5s"]
