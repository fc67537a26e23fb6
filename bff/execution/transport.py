"""HTTP transport to subgraphs: one pooled aiohttp session per process, orjson, typed failures.

What the edge (the Lambda handler and the ASGI app) relies on:

- Create ONE `SubgraphTransport` per process (module level, or once in the app's lifespan) and
  pass it to every `execute_plan` call. It creates its `aiohttp.ClientSession` lazily, on first
  use, bound to the event loop that is running then; keep-alive connections are pooled in that
  session and reused by every later request on the same loop.
- A ClientSession belongs to one event loop. mangum 0.22 runs each invocation with
  `asyncio.get_event_loop().run_until_complete(...)`, so as long as the handler keeps one loop per
  process (never closes it, never calls `asyncio.run`), warm invocations share the session and its
  TCP connections. Should the running loop ever change (a loop was closed and a new one set), the
  transport drops the stale session and opens a new one on the current loop instead of failing.
- `connections_opened` counts TCP connections the transport has opened (its connector reports
  each one), so a test can prove that ten warm invocations used one connection.
- `await close()` on shutdown (ASGI lifespan); under Lambda the process simply ends.

Headers come from `header_propagation` (API key, forwarded claims) and the per-request timeout from
`timeouts`; every failure becomes a `SubgraphFetchError` whose `reason` is for logs only (it may
name the URL): clients see the masked error built by `error_masking`. A 4xx (but 401) whose body
is a GraphQL response with errors is not a failure: the subgraph refused the request, and its
errors are returned like any answer's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from bff.execution.header_propagation import outgoing_headers
from bff.execution.timeouts import client_timeout

# Far above any sane GraphQL answer (the benchmark's deep answer is 87 KB), far below a Lambda's
# memory: a subgraph streaming without end is cut off instead of taking the process down.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SubgraphEndpoint:
    """Where and how to call one subgraph; `timeout` is the whole request budget in seconds."""

    name: str
    url: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 10.0


class SubgraphFetchError(Exception):
    """A subgraph call that produced no usable GraphQL response.

    `reason` explains why for operators (logs); it is never shown to clients.
    """

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"subgraph {service!r}: {reason}")
        self.service = service
        self.reason = reason


class SubgraphTransport:
    """Sends GraphQL requests to subgraphs over one keep-alive connection pool per process."""

    def __init__(
        self,
        *,
        limit: int = 256,
        limit_per_host: int = 64,
        keepalive_timeout: float = 60.0,
        dns_cache_ttl: int = 300,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        # Lambda reuses a warm process for minutes; keeping idle connections for 60 s (the API
        # Gateway idle timeout is 350 s) saves a TCP + TLS handshake on most warm invocations.
        self._limit = limit
        self._limit_per_host = limit_per_host
        self._keepalive_timeout = keepalive_timeout
        self._dns_cache_ttl = dns_cache_ttl
        self._max_response_bytes = max_response_bytes
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.connections_opened = 0

    async def fetch(
        self, endpoint: SubgraphEndpoint, payload: dict[str, Any], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """POST `payload` to the subgraph and return its GraphQL response (has data or errors)."""
        session = self._session_for_running_loop()
        body = orjson.dumps(payload)
        try:
            async with session.post(
                endpoint.url,
                data=body,
                headers=outgoing_headers(endpoint, headers),
                timeout=client_timeout(endpoint),
            ) as response:
                status = response.status
                raw = await _read_limited(response, self._max_response_bytes)
        except TimeoutError as error:
            raise SubgraphFetchError(
                endpoint.name, f"timed out after {endpoint.timeout:g}s"
            ) from error
        except aiohttp.ClientError as error:
            raise SubgraphFetchError(
                endpoint.name, f"request failed: {type(error).__name__}: {error}"
            ) from error
        if not 200 <= status < 300:
            refusal = None if raw is None else _graphql_refusal(endpoint.name, status, raw)
            if refusal is None:
                raise SubgraphFetchError(endpoint.name, f"HTTP {status} from {endpoint.url}")
            return refusal
        if raw is None:
            raise SubgraphFetchError(
                endpoint.name, f"response larger than {self._max_response_bytes} bytes"
            )
        return parse_graphql_response(endpoint.name, raw)

    async def close(self) -> None:
        """Close the pooled connections (ASGI shutdown); a later fetch opens a new session."""
        session, self._session, self._loop = self._session, None, None
        if session is not None and not session.closed:
            await session.close()

    def _session_for_running_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None and self._loop is loop and not session.closed:
            return session
        if session is not None and not session.closed:
            # Bound to another loop: it cannot be awaited from here. Detaching marks it closed;
            # its sockets are released when the old connector is collected.
            session.detach()
        self._session = self._open_session()
        self._loop = loop
        return self._session

    def _open_session(self) -> aiohttp.ClientSession:
        connector = _CountingConnector(
            self._count_connection,
            limit=self._limit,
            limit_per_host=self._limit_per_host,
            keepalive_timeout=self._keepalive_timeout,
            ttl_dns_cache=self._dns_cache_ttl,
            use_dns_cache=True,
        )
        return aiohttp.ClientSession(
            connector=connector,
            # Cookies from one user's subgraph answer must never reach another user's request.
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=True,
        )

    def _count_connection(self) -> None:
        self.connections_opened += 1


class _CountingConnector(aiohttp.TCPConnector):
    """A TCPConnector that reports each TCP connection it opens.

    Counting with an aiohttp `TraceConfig` instead makes aiohttp build trace records for every
    request of the session: about 15% of a subgraph call's CPU, measured by the benchmark.
    """

    def __init__(self, on_connection_opened: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_connection_opened = on_connection_opened

    # aiohttp's signature (req, traces, timeout): the timeout is aiohttp's, passed through.
    async def _create_connection(self, *args: Any) -> Any:
        protocol = await super()._create_connection(*args)
        self._on_connection_opened()
        return protocol


async def _read_limited(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The body, or None when it exceeds `limit` (a runaway subgraph must not exhaust memory)."""
    length = response.content_length
    if length is not None:
        return await response.read() if length <= limit else None
    body = bytearray()
    async for chunk in response.content.iter_chunked(1 << 16):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _graphql_refusal(service: str, status: int, raw: bytes) -> dict[str, Any] | None:
    """A 4xx answer whose body is a GraphQL response with errors (GraphQL over HTTP answers a
    request it refuses so): those errors are for the client. Not a 401: that refuses the
    gateway's own API key, which no client can fix."""
    if not 400 <= status < 500 or status == 401:
        return None
    try:
        answer = parse_graphql_response(service, raw)
    except SubgraphFetchError:
        return None
    return answer if answer.get("errors") else None


def parse_graphql_response(service: str, raw: bytes) -> dict[str, Any]:
    """Decode a subgraph body; anything that is not a GraphQL response is a fetch error."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise SubgraphFetchError(service, "response body is not JSON") from error
    if not isinstance(document, dict) or ("data" not in document and "errors" not in document):
        raise SubgraphFetchError(service, "response has neither data nor errors")
    data = document.get("data")
    errors = document.get("errors")
    if data is not None and not isinstance(data, dict):
        raise SubgraphFetchError(service, "response data is not an object")
    if errors is not None and not isinstance(errors, list):
        raise SubgraphFetchError(service, "response errors is not a list")
    if data is None and not errors:
        # The spec requires errors whenever data is null: a null nobody explains is no answer.
        raise SubgraphFetchError(service, "response data is null without errors")
    return document
