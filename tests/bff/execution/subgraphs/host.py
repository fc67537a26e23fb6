"""Serves the test subgraphs over loopback HTTP from one background event loop.

Each `SubgraphServer` records what it received (body, headers, TCP peer) and can be told to
misbehave: answer HTTP 500, a non-JSON body, JSON that is not a GraphQL response, `data: null`
without errors, a wrongly sized `_entities` list, a canned status and body (`answer_with`), or
hang until the test ends. A `gate` (an `asyncio.Barrier` shared by several
servers) holds answers until every server behind it has a request in flight: a test proves fetches
overlap without measuring time.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import orjson
from aiohttp import web

from bff.devstack.moto_server import free_port
from bff.execution import SubgraphEndpoint

Behaviour = Literal[
    "ok",
    "http_500",
    "not_json",
    "not_graphql",
    "null_data",
    "wrong_entities",
    "hang",
    "chunked",
    "canned",
]
T = TypeVar("T")

# Resolver errors are expected in these tests; strawberry would print each traceback.
logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)


# Orders requests across all servers (for "mutations run in order" tests).
_arrivals = itertools.count()


class ExecutableSchema(Protocol):
    """What a server answers with: a strawberry federation schema, or canned answers alike."""

    async def execute(self, query: str, variable_values: dict[str, Any] | None = None) -> Any: ...


@dataclass(frozen=True)
class ReceivedRequest:
    payload: dict[str, Any]
    headers: Mapping[str, str]
    peer: tuple[str, int]
    arrival: int


class SubgraphServer:
    """One federation subgraph (usually strawberry) behind aiohttp on a free loopback port."""

    def __init__(self, name: str, schema: ExecutableSchema, api_key: str) -> None:
        self.name = name
        self.schema = schema
        self.api_key = api_key
        self.url = ""
        self.behaviour: Behaviour = "ok"
        self.gate: asyncio.Barrier | None = None
        self.canned: tuple[int, Any] = (200, None)
        self.received: list[ReceivedRequest] = []
        self._release: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/graphql", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/graphql"
        self._release = asyncio.Event()

    async def stop(self) -> None:
        await self.reset()
        if self._runner is not None:
            await self._runner.cleanup()

    async def reset(self) -> None:
        self.behaviour = "ok"
        self.gate = None
        self.received.clear()
        if self._release is not None:
            self._release.set()  # lets hanging handlers finish
            self._release = asyncio.Event()

    def answer_with(self, status: int, body: Any) -> None:
        """Answer every request with this HTTP status and JSON body until reset."""
        self.behaviour = "canned"
        self.canned = (status, body)

    def entity_calls(self) -> list[ReceivedRequest]:
        return [request for request in self.received if "_entities" in request.payload["query"]]

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        payload = orjson.loads(body)
        peer = request.transport.get_extra_info("peername") if request.transport else ("", 0)
        self.received.append(
            ReceivedRequest(payload, dict(request.headers), tuple(peer[:2]), next(_arrivals))
        )
        if request.headers.get("X-API-Key") != self.api_key:
            return _json({"errors": [{"message": "invalid API key"}]}, status=401)
        if self.gate is not None:
            await asyncio.wait_for(self.gate.wait(), timeout=10)
        behaviour = self.behaviour
        if behaviour == "hang":
            assert self._release is not None
            await self._release.wait()
            return _json({"data": None})
        if behaviour == "http_500":
            return web.Response(status=500, text="Internal Server Error at http://10.0.0.7/graphql")
        if behaviour == "not_json":
            return web.Response(status=200, text="<html>502 Bad Gateway</html>")
        if behaviour == "not_graphql":
            return _json({"message": "hello"})
        if behaviour == "null_data":
            return _json({"data": None})
        if behaviour == "canned":
            return _json(self.canned[1], status=self.canned[0])
        if behaviour == "wrong_entities":
            return _json({"data": {"_entities": []}})
        if behaviour == "chunked":
            return await _chunked(request, {"data": {"padding": "x" * 200_000}})
        # Parsed again: strawberry pops `__typename` out of representations, and the recorded
        # payload must stay what the gateway sent.
        executed = orjson.loads(body)
        result = await self.schema.execute(
            executed["query"], variable_values=executed.get("variables")
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        return _json(body)


async def _chunked(request: web.Request, body: Any) -> web.StreamResponse:
    """A body streamed in pieces without a Content-Length."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    encoded = orjson.dumps(body)
    for start in range(0, len(encoded), 16_384):
        await response.write(encoded[start : start + 16_384])
    await response.write_eof()
    return response


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


class LoopbackSubgraphs:
    """All test subgraphs, served from one event loop in a daemon thread."""

    def __init__(self, servers: list[SubgraphServer]) -> None:
        self.servers = {server.name: server for server in servers}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __getitem__(self, name: str) -> SubgraphServer:
        return self.servers[name]

    def start(self) -> LoopbackSubgraphs:
        self._thread.start()
        for server in self.servers.values():
            self.run(server.start())
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            self.run(server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def reset(self) -> None:
        for server in self.servers.values():
            self.run(server.reset())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    def endpoints(self, timeout: float = 10.0) -> dict[str, SubgraphEndpoint]:
        return {
            name: SubgraphEndpoint(name, server.url, server.api_key, timeout)
            for name, server in self.servers.items()
        }
