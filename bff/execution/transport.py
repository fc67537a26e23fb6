"""HTTP transport to subgraphs: one keep-alive connection pool per process, orjson, typed failures.

What the edge (the Lambda handler and the ASGI app) relies on:

- Create ONE `SubgraphTransport` per process (module level, or once in the app's lifespan) and
  pass it to every `execute_plan` call. It creates its `ConnectionPool` (`connection_pool`)
  lazily, on first use, bound to the event loop that is running then; keep-alive connections are
  pooled there and reused by every later request on the same loop.
- A pool belongs to one event loop. mangum 0.22 runs each invocation with
  `asyncio.get_event_loop().run_until_complete(...)`, so as long as the handler keeps one loop per
  process (never closes it, never calls `asyncio.run`), warm invocations share the pool and its
  TCP connections. Should the running loop ever change (a loop was closed and a new one set), the
  transport drops the stale pool and opens a new one on the current loop instead of failing.
- `connections_opened` counts TCP connections the transport has opened (its pool reports
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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from bff.execution.circuit_breaker import CircuitBreaker, CircuitBreakers
from bff.execution.connection_pool import ConnectionPool
from bff.execution.deadline import Deadline, current_deadline
from bff.execution.header_propagation import outgoing_headers
from bff.execution.in_flight import InFlightFetches
from bff.execution.retries import (
    Exchange,
    ExchangeFailed,
    RetryBudget,
    RetryPolicy,
    send_with_retries,
)
from bff.execution.timeouts import MAX_CONNECT_SECONDS, AttemptTimers, budget_seconds

if TYPE_CHECKING:
    from bff.config import GatewaySettings

# Far above any sane GraphQL answer (the benchmark's deep answer is 87 KB), far below a Lambda's
# memory: a subgraph streaming without end is cut off instead of taking the process down.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
# Idle pooled connections are closed before the subgraph closes them: uvicorn and Node close
# idle connections after 5 s, and a request sent as the server closes is lost on the wire.
# Subgraphs that keep connections longer (API Gateway) can be given more (a setting).
DEFAULT_KEEPALIVE_SECONDS = 4.0
# A subgraph refusing our API key: 401 from the subgraph itself, 403 from API Gateway in front.
KEY_REFUSED = frozenset({401, 403})


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
    """Sends GraphQL requests to subgraphs over one keep-alive connection pool per process.

    Around each call, outermost first: identical queries in flight are shared (`in_flight`),
    the subgraph's circuit breaker may refuse at once (`circuit_breaker`), failed attempts are
    retried where safe (`retries`), and every attempt fits in the request's deadline
    (`deadline`, `timeouts`).
    """

    def __init__(
        self,
        *,
        limit_per_host: int = 64,
        keepalive_timeout: float = DEFAULT_KEEPALIVE_SECONDS,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        breakers: CircuitBreakers | None = None,
        retry_policy: RetryPolicy | None = None,
        retry_budget: Callable[[], RetryBudget] = RetryBudget,
        share_in_flight: bool = True,
    ) -> None:
        self._limit_per_host = limit_per_host
        self._keepalive_timeout = keepalive_timeout
        self._max_response_bytes = max_response_bytes
        self.breakers = breakers or CircuitBreakers()
        self.in_flight = InFlightFetches()
        self._share_in_flight = share_in_flight
        self._retry_policy = retry_policy or RetryPolicy()
        self._new_budget = retry_budget
        self._budgets: dict[str, RetryBudget] = {}
        self._pool: ConnectionPool | None = None
        self._timers: AttemptTimers | None = None
        self.connections_opened = 0
        # Told the subgraph's name when it refuses our API key (the gateway re-reads the key).
        self.on_key_refused: Callable[[str], None] | None = None

    async def fetch(
        self, endpoint: SubgraphEndpoint, payload: dict[str, Any], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """POST `payload` to the subgraph and return its GraphQL response (has data or errors)."""
        outgoing = outgoing_headers(endpoint, headers)
        body = orjson.dumps(payload)
        mutation = _is_mutation(payload)
        if mutation or not self._share_in_flight:
            _, answer = await self._guarded(endpoint, body, outgoing, mutation=mutation)
            return answer
        key = (endpoint.name, endpoint.url, body, tuple(sorted(outgoing.items())))
        sent_it = False

        def send() -> Awaitable[tuple[Exchange, dict[str, Any]]]:
            nonlocal sent_it
            sent_it = True
            return self._guarded(endpoint, body, outgoing, mutation=False)

        exchange, answer = await self.in_flight.share(key, send)
        # Each caller gets a document of its own: the sender the one it checked, the others a
        # fresh parse of the same bytes (callers may change what they get).
        return answer if sent_it else self._answer(endpoint, exchange)

    def _answer(self, endpoint: SubgraphEndpoint, exchange: Exchange) -> dict[str, Any]:
        status, raw = exchange.status, exchange.body
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

    async def _guarded(
        self, endpoint: SubgraphEndpoint, body: bytes, headers: Mapping[str, str], *, mutation: bool
    ) -> tuple[Exchange, dict[str, Any]]:
        """The call through the subgraph's breaker, with retries, and its GraphQL answer; reports
        to the breaker. A 5xx, and a 2xx whose body is not a GraphQL response (an HTML error
        page, garbage, JSON without data or errors), are failures: both say the subgraph is
        not answering GraphQL."""
        breaker = self.breakers[endpoint.name]
        if not breaker.allow():
            raise SubgraphFetchError(endpoint.name, "circuit breaker open after repeated failures")
        deadline = current_deadline()
        budget = self._budgets.get(endpoint.name)
        if budget is None:
            budget = self._budgets[endpoint.name] = self._new_budget()

        async def attempt(fresh: bool) -> Exchange:
            return await self._attempt(endpoint, body, headers, deadline, fresh=fresh)

        try:
            exchange = await send_with_retries(
                attempt,
                mutation=mutation,
                budget=budget,
                policy=self._retry_policy,
                deadline=deadline,
            )
        except ExchangeFailed as failed:
            if failed.failure == "deadline":
                breaker.record_neither()
            else:
                breaker.record_failure()
            raise SubgraphFetchError(endpoint.name, failed.reason) from None
        except BaseException:
            breaker.record_neither()  # cancelled: the request went away, the subgraph did not
            raise
        try:
            answer = self._answer(endpoint, exchange)
        except SubgraphFetchError:
            answered_2xx = 200 <= exchange.status < 300 and exchange.body is not None
            if exchange.status >= 500 or answered_2xx:
                breaker.record_failure()
            else:
                breaker.record_success()  # a 4xx or an oversized answer: it is up
            if exchange.status in KEY_REFUSED and self.on_key_refused is not None:
                self.on_key_refused(endpoint.name)
            raise
        breaker.record_success()
        return exchange, answer

    async def _attempt(
        self,
        endpoint: SubgraphEndpoint,
        body: bytes,
        headers: Mapping[str, str],
        deadline: Deadline | None,
        *,
        fresh: bool,
    ) -> Exchange:
        """One HTTP exchange; `fresh` sends it on a new connection instead of a pooled one."""
        seconds = budget_seconds(endpoint, deadline)
        if seconds <= 0:
            raise ExchangeFailed("deadline", "the request's deadline passed before the call")
        pool = self._pool_for_running_loop()
        timer = self._timers_for_running_loop().start(seconds)
        try:
            answer = await pool.post(
                endpoint.url, body, headers, limit=self._max_response_bytes, fresh=fresh
            )
        except asyncio.CancelledError:
            if not timer.stop():
                raise  # cancelled from outside: the request went away
            raise _timed_out(endpoint, seconds) from None
        except TimeoutError:  # connecting took too long (the pool's own timeout)
            timer.stop()
            raise _timed_out(endpoint, seconds) from None
        except BaseException:
            timer.stop()
            raise
        timer.stop()
        return Exchange(answer.status, answer.body)

    async def close(self) -> None:
        """Close the pooled connections (ASGI shutdown); a later fetch opens a new pool."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def _pool_for_running_loop(self) -> ConnectionPool:
        pool = self._pool
        if pool is not None and pool.loop is asyncio.get_running_loop() and not pool.closed:
            return pool
        if pool is not None:
            # Bound to another loop (maybe closed): its connections cannot serve this one.
            pool.close()
        self._pool = ConnectionPool(
            keepalive_seconds=self._keepalive_timeout,
            limit_per_host=self._limit_per_host,
            connect_seconds=MAX_CONNECT_SECONDS,
            on_connection_opened=self._count_connection,
        )
        return self._pool

    def _timers_for_running_loop(self) -> AttemptTimers:
        loop = asyncio.get_running_loop()
        timers = self._timers
        if timers is None or timers.loop is not loop:
            timers = self._timers = AttemptTimers(loop)
        return timers

    def _count_connection(self) -> None:
        self.connections_opened += 1


def transport_from_settings(config: GatewaySettings) -> SubgraphTransport:
    """The process's transport, with the keep-alive, breaker and retry settings."""
    breakers = CircuitBreakers(
        lambda: CircuitBreaker(
            failure_threshold=config.subgraph_breaker_failures,
            open_seconds=config.subgraph_breaker_open_seconds,
        )
    )
    ratio = config.subgraph_retry_budget_ratio
    return SubgraphTransport(
        keepalive_timeout=config.subgraph_keepalive_seconds,
        breakers=breakers,
        retry_budget=lambda: RetryBudget(ratio=ratio),
        share_in_flight=config.subgraph_share_in_flight,
    )


def _timed_out(endpoint: SubgraphEndpoint, seconds: float) -> ExchangeFailed:
    if seconds < endpoint.timeout:
        reason = f"timed out after {seconds:.3g}s, at the request's deadline"
        return ExchangeFailed("deadline", reason)
    return ExchangeFailed("other", f"timed out after {endpoint.timeout:g}s")


def _is_mutation(payload: Mapping[str, Any]) -> bool:
    # The planner prints a mutation's fetch as `mutation ...`; queries start with `{` or `query`.
    return str(payload.get("query", "")).lstrip().startswith("mutation")


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
