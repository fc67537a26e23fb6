"""FaultProxy: an HTTP proxy on loopback that forwards to one upstream or misbehaves on demand.

Put between the BFF and a subgraph (or the registry's DynamoDB), it injects the faults of the
chaos table: refused connections (`down`: the listener is closed), a slow answer, HTTP 500, a
body that is not JSON, a connection reset after the request, a trickled body, a gzip bomb, and
answers whose leaves have the wrong type. `ok` forwards untouched.
"""

from __future__ import annotations

import asyncio
import gzip
from typing import Any, Literal

import aiohttp
import orjson
from aiohttp import web

Fault = Literal[
    "ok", "down", "slow", "http_500", "not_json", "reset", "trickle", "huge", "wrong_types"
]
FAULTS: tuple[Fault, ...] = (
    "ok",
    "down",
    "slow",
    "http_500",
    "not_json",
    "reset",
    "trickle",
    "huge",
    "wrong_types",
)
# A gzip bomb: 64 MB of JSON inflated from about 64 KB on the wire.
_BOMB = gzip.compress(b'{"data": {"padding": "' + b"0" * (64 << 20) + b'"}}', compresslevel=9)
_HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


class FaultProxy:
    """Forwards every request to `upstream` (scheme://host:port) unless `fault` says otherwise."""

    def __init__(self, upstream: str, *, slow_seconds: float = 30.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.fault: Fault = "ok"
        self.slow_seconds = slow_seconds
        self.requests = 0
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FaultProxy:
        self._session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application(client_max_size=64 << 20)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        await self._listen()
        return self

    async def set(self, fault: Fault) -> None:
        """Switch to `fault`; `down` closes the listener (new connections are refused) and
        resets requests on connections opened before, as a killed process would."""
        if fault == "down" and self._site is not None:
            await self._site.stop()
            self._site = None
        elif fault != "down" and self._site is None:
            await self._listen()
        self.fault = fault

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        body = await request.read()
        fault = self.fault
        # `down` on a connection opened before: a killed process resets it.
        if fault in ("reset", "down"):
            assert request.transport is not None
            request.transport.abort()
            return web.Response()  # never sent: the connection is gone
        if fault == "http_500":
            return web.Response(status=500, text="Internal Server Error")
        if fault == "not_json":
            return web.Response(status=200, text="<html>upstream error</html>")
        if fault == "huge":
            return web.Response(
                body=_BOMB,
                headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            )
        if fault == "slow":
            await asyncio.sleep(self.slow_seconds)
        status, headers, answer = await self._forward(request, body)
        if fault == "wrong_types":
            answer = _wrong_types(answer)
        if fault == "trickle":
            return await _trickle(request, status, answer)
        return web.Response(status=status, body=answer, headers=headers)

    async def _forward(
        self, request: web.Request, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with self._session.request(
            request.method, self.upstream + request.path_qs, data=body, headers=headers
        ) as response:
            answer = await response.read()
            kept = {k: v for k, v in response.headers.items() if k.lower() not in _HOP_BY_HOP}
            return response.status, kept, answer


def _wrong_types(answer: bytes) -> bytes:
    """Every number in the answer's data becomes a string (a subgraph with a type bug)."""
    try:
        document = orjson.loads(answer)
    except orjson.JSONDecodeError:
        return answer

    def spoil(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return f"{value} points"
        if isinstance(value, dict):
            return {key: spoil(item) for key, item in value.items()}
        if isinstance(value, list):
            return [spoil(item) for item in value]
        return value

    if isinstance(document, dict) and isinstance(document.get("data"), dict):
        document["data"] = spoil(document["data"])
    return orjson.dumps(document)


async def _trickle(request: web.Request, status: int, answer: bytes) -> web.StreamResponse:
    """The answer one byte every 200 ms: a subgraph stuck behind a congested link."""
    response = web.StreamResponse(
        status=status,
        headers={"Content-Type": "application/json", "Content-Length": str(len(answer))},
    )
    await response.prepare(request)
    try:
        for index in range(len(answer)):
            await response.write(answer[index : index + 1])
            await asyncio.sleep(0.2)
    except ConnectionError:
        pass  # the gateway gave up on it (its deadline): what this fault is for
    return response
