"""Identical subgraph queries in flight together are sent once: same subgraph, document,
variables and forwarded identity. Different identity, variables or a mutation: sent each."""

from __future__ import annotations

import asyncio

import pytest

from bff.config import GatewaySettings
from bff.execution import SubgraphEndpoint, SubgraphTransport
from bff.execution.transport import transport_from_settings
from tests.bff.execution.scripted_subgraph import ScriptedSubgraph

QUERY = {"query": "query($id: ID!) { user(id: $id) { name } }", "variables": {"id": "1"}}


async def _concurrently(
    transport: SubgraphTransport,
    scripted: ScriptedSubgraph,
    calls: list[tuple[dict, dict[str, str]]],
) -> list[dict]:
    endpoint = SubgraphEndpoint("accounts", scripted.url, "key", 10.0)
    scripted.script = lambda _: "hang"  # every answer waits for the release below
    first = asyncio.ensure_future(transport.fetch(endpoint, *calls[0]))
    await scripted.arrived.wait()  # the first request reached the subgraph
    rest = [asyncio.ensure_future(transport.fetch(endpoint, *call)) for call in calls[1:]]
    # Let every other call reach the point where it either joins the first or is sent (each
    # step is one turn of the loop, no waiting on a clock).
    while transport.in_flight.shared + len(scripted.received) < len(calls):  # noqa: ASYNC110
        await asyncio.sleep(0)
    scripted.release.set()
    return await asyncio.gather(first, *rest)


async def test_two_identical_concurrent_queries_make_one_subgraph_request(
    scripted: ScriptedSubgraph,
) -> None:
    transport = SubgraphTransport()
    claims = {"X-BFF-Claims": "user-1"}
    try:
        answers = await _concurrently(transport, scripted, [(QUERY, claims), (QUERY, claims)])
        assert len(scripted.received) == 1
        assert answers[0] == answers[1] == {"data": {"userCount": 2}}
        # Each caller gets its own document: changing one leaves the other as it was.
        assert answers[0] is not answers[1]
        # Once answered, the same query is sent again: only requests in flight are shared.
        again = SubgraphEndpoint("accounts", scripted.url, "key", 10.0)
        assert await transport.fetch(again, QUERY, claims) == {"data": {"userCount": 2}}
        assert len(scripted.received) == 2
    finally:
        await transport.close()


@pytest.mark.parametrize(
    ("second", "why"),
    [
        ((QUERY, {"X-BFF-Claims": "user-2"}), "another user's identity"),
        (({**QUERY, "variables": {"id": "2"}}, {"X-BFF-Claims": "user-1"}), "other variables"),
        (({"query": "{ userCount }"}, {"X-BFF-Claims": "user-1"}), "another document"),
    ],
    ids=["identity", "variables", "document"],
)
async def test_queries_that_differ_are_each_sent(
    scripted: ScriptedSubgraph, second: tuple[dict, dict[str, str]], why: str
) -> None:
    transport = SubgraphTransport()
    try:
        await _concurrently(transport, scripted, [(QUERY, {"X-BFF-Claims": "user-1"}), second])
    finally:
        await transport.close()
    assert len(scripted.received) == 2, why


async def test_identical_mutations_are_each_sent(scripted: ScriptedSubgraph) -> None:
    mutation = {"query": "mutation { completeLesson(id: 1) { ok } }"}
    transport = SubgraphTransport()
    try:
        await _concurrently(transport, scripted, [(mutation, {}), (mutation, {})])
    finally:
        await transport.close()
    assert len(scripted.received) == 2


async def test_with_sharing_off_identical_queries_are_each_sent(scripted: ScriptedSubgraph) -> None:
    # SUBGRAPH_SHARE_IN_FLIGHT=false: every planned request goes out.
    transport = transport_from_settings(GatewaySettings(subgraph_share_in_flight=False))
    claims = {"X-BFF-Claims": "user-1"}
    try:
        answers = await _concurrently(transport, scripted, [(QUERY, claims), (QUERY, claims)])
    finally:
        await transport.close()
    assert len(scripted.received) == 2
    assert transport.in_flight.shared == 0
    assert answers[0] == answers[1] == {"data": {"userCount": 2}}
    assert GatewaySettings.from_environ({"SUBGRAPH_SHARE_IN_FLIGHT": "false"}) == GatewaySettings(
        subgraph_share_in_flight=False
    )
    assert GatewaySettings().subgraph_share_in_flight is True


async def test_a_caller_that_gives_up_leaves_the_others_their_answer(
    scripted: ScriptedSubgraph,
) -> None:
    transport = SubgraphTransport()
    claims = {"X-BFF-Claims": "user-1"}
    endpoint = SubgraphEndpoint("accounts", scripted.url, "key", 10.0)
    scripted.script = lambda _: "hang"
    try:
        sender = asyncio.ensure_future(transport.fetch(endpoint, QUERY, claims))
        await scripted.arrived.wait()
        waiters = [asyncio.ensure_future(transport.fetch(endpoint, QUERY, claims)) for _ in "ab"]
        while transport.in_flight.shared < 2:  # noqa: ASYNC110
            await asyncio.sleep(0)
        # The first waiter's client goes away: the other still waits on the sender.
        waiters[0].cancel()
        # Then the sender's: its request goes with it, and the last caller asks again.
        sender.cancel()
        scripted.arrived.clear()
        await scripted.arrived.wait()
        scripted.release.set()
        assert await waiters[1] == {"data": {"userCount": 2}}
        assert sender.cancelled() and waiters[0].cancelled()
        assert len(scripted.received) == 2
    finally:
        await transport.close()
