"""SubgraphTransport over loopback: connection reuse across invocations, typed failures."""

from __future__ import annotations

import asyncio
import gc

import pytest

from bff.devstack.moto_server import free_port
from bff.execution import SubgraphEndpoint, SubgraphFetchError, SubgraphTransport
from bff.execution.transport import parse_graphql_response
from tests.bff.execution.scripted_subgraph import ScriptedSubgraph
from tests.bff.execution.subgraphs.host import Behaviour, LoopbackSubgraphs

QUERY = {"query": "{ userCount }"}


def accounts(subgraphs: LoopbackSubgraphs, timeout: float = 5.0) -> SubgraphEndpoint:
    return subgraphs.endpoints(timeout)["accounts"]


def test_warm_invocations_on_one_loop_share_one_connection(subgraphs: LoopbackSubgraphs) -> None:
    # What the Lambda handler does under mangum: one event loop per process, each invocation
    # runs to completion on it.
    transport = SubgraphTransport()
    loop = asyncio.new_event_loop()
    try:
        for _ in range(10):
            answer = loop.run_until_complete(transport.fetch(accounts(subgraphs), QUERY, {}))
            assert answer == {"data": {"userCount": 2}}
        loop.run_until_complete(transport.close())
    finally:
        loop.close()

    assert transport.connections_opened == 1
    assert len({request.peer for request in subgraphs["accounts"].received}) == 1


# The abandoned sessions' sockets belonged to closed loops: they are reclaimed by the garbage
# collector, which warns about them (expected here, and collected inside this test).
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_new_event_loop_gets_a_fresh_session_instead_of_failing(
    subgraphs: LoopbackSubgraphs,
) -> None:
    transport = SubgraphTransport()
    for _ in range(2):
        loop = asyncio.new_event_loop()
        try:
            answer = loop.run_until_complete(transport.fetch(accounts(subgraphs), QUERY, {}))
        finally:
            loop.close()
        assert answer == {"data": {"userCount": 2}}
    final = asyncio.new_event_loop()
    try:
        final.run_until_complete(transport.fetch(accounts(subgraphs), QUERY, {}))
        final.run_until_complete(transport.close())
    finally:
        final.close()

    gc.collect()

    assert transport.connections_opened == 3


async def test_concurrent_fetches_share_the_pool(
    subgraphs: LoopbackSubgraphs, transport: SubgraphTransport
) -> None:
    answers = await asyncio.gather(
        *(transport.fetch(accounts(subgraphs), QUERY, {}) for _ in range(8))
    )

    assert answers == [{"data": {"userCount": 2}}] * 8
    assert transport.connections_opened <= 8


async def test_api_key_and_forwarded_headers_are_sent(
    subgraphs: LoopbackSubgraphs, transport: SubgraphTransport
) -> None:
    await transport.fetch(
        accounts(subgraphs), QUERY, {"X-BFF-Claims": "e30", "Content-Type": "text/plain"}
    )

    [request] = subgraphs["accounts"].received
    assert request.headers["X-API-Key"] == "accounts-key"
    assert request.headers["X-BFF-Claims"] == "e30"
    assert request.headers["Content-Type"] == "application/json"
    assert request.payload == QUERY


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("http_500", "HTTP 500"),
        ("not_json", "not JSON"),
        ("not_graphql", "neither data nor errors"),
        ("hang", "timed out after 0.3s"),
    ],
)
async def test_unusable_answers_raise_a_typed_error(
    subgraphs: LoopbackSubgraphs,
    transport: SubgraphTransport,
    behaviour: Behaviour,
    reason: str,
) -> None:
    subgraphs["accounts"].behaviour = behaviour

    with pytest.raises(SubgraphFetchError) as raised:
        await transport.fetch(accounts(subgraphs, timeout=0.3), QUERY, {})

    assert raised.value.service == "accounts"
    assert reason in raised.value.reason


async def test_connection_refused_raises_a_typed_error(transport: SubgraphTransport) -> None:
    endpoint = SubgraphEndpoint("gone", f"http://127.0.0.1:{free_port()}/graphql", None, 2.0)

    with pytest.raises(SubgraphFetchError) as raised:
        await transport.fetch(endpoint, QUERY, {})

    assert raised.value.service == "gone"
    assert "request failed" in raised.value.reason


async def test_missing_api_key_is_refused_by_the_subgraph(
    subgraphs: LoopbackSubgraphs, transport: SubgraphTransport
) -> None:
    endpoint = SubgraphEndpoint("accounts", subgraphs["accounts"].url, None, 5.0)

    with pytest.raises(SubgraphFetchError, match="HTTP 401"):
        await transport.fetch(endpoint, QUERY, {})

    assert "X-API-Key" not in subgraphs["accounts"].received[0].headers


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"data": [1]}', "data is not an object"),
        (b'{"errors": {"message": "x"}}', "errors is not a list"),
        (b"[]", "neither data nor errors"),
        (b'{"data": null}', "data is null without errors"),
        (b'{"data": null, "errors": []}', "data is null without errors"),
        (b"", "not JSON"),
    ],
)
def test_malformed_graphql_responses_are_rejected(body: bytes, reason: str) -> None:
    with pytest.raises(SubgraphFetchError, match=reason):
        parse_graphql_response("accounts", body)


def test_the_api_key_never_shows_in_an_endpoint_repr() -> None:
    endpoint = SubgraphEndpoint("accounts", "http://127.0.0.1/graphql", "secret-key", 1.0)

    assert "secret-key" not in repr(endpoint)


@pytest.mark.parametrize("behaviour", ["ok", "chunked"])
async def test_oversized_answers_are_cut_off(
    subgraphs: LoopbackSubgraphs, behaviour: Behaviour
) -> None:
    subgraphs["accounts"].behaviour = behaviour
    small = SubgraphTransport(max_response_bytes=16)
    try:
        with pytest.raises(SubgraphFetchError, match="larger than 16 bytes"):
            await small.fetch(accounts(subgraphs), QUERY, {})
    finally:
        await small.close()


async def test_streamed_answers_within_the_limit_are_read_whole(
    subgraphs: LoopbackSubgraphs, transport: SubgraphTransport
) -> None:
    subgraphs["accounts"].behaviour = "chunked"

    answer = await transport.fetch(accounts(subgraphs), QUERY, {})

    assert answer == {"data": {"padding": "x" * 200_000}}


async def test_a_gzip_bomb_is_cut_off_by_its_decompressed_size() -> None:
    # ~64 KB on the wire with a Content-Length, 64 MB once inflated.
    bomb = await ScriptedSubgraph(script=lambda _: "gzip_bomb").start()
    small = SubgraphTransport(max_response_bytes=1 << 20)
    try:
        with pytest.raises(SubgraphFetchError, match=f"larger than {1 << 20} bytes"):
            await small.fetch(SubgraphEndpoint("bomb", bomb.url, None, 30.0), QUERY, {})
    finally:
        await small.close()
        await bomb.stop()
