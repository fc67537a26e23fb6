"""In-process micro-benchmarks of the gateway's per-request work, no network involved.

- parse, validate and plan separately, then the whole cache miss (`ServedSupergraph.operation`
  on an empty operation cache: parse + validate + prepare + plan) and the cache hit;
- recording the operation's schema usage (the per-request part; flushes run off the path);
- executing a plan against recorded subgraph answers (decode, entity batching, merging,
  shaping: everything but the sockets), and shaping alone on the merged answer;
- the whole request through the ASGI app on the same recorded answers (the body read, the
  request's checks, the operation cache, executing, encoding the answer): what `bff serve`
  does per request but for the HTTP server and the sockets;
- one subgraph call through the real transport (in-flight sharing, breaker, retries,
  deadline, decoding) down to a connection pool that answers at once: the subgraph client's
  own code per call, without the socket.
Each figure is the median over `repeats` timings of `iterations` calls, per call.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import orjson
from graphql import parse, validate

import bff.execution.executor as executor_module
from bench.floor import RecordedRequest
from bff.config import GatewaySettings
from bff.execution import SubgraphEndpoint, SubgraphTransport, execute_plan, prepare_operation
from bff.execution.connection_pool import Answer, ConnectionPool
from bff.gateway import Gateway, OperationCache, ServedSupergraph
from bff.http.app import GraphQLApp
from bff.supergraph import Supergraph, load_supergraph
from bff.usage.recorder import UsageRecorder


class ReplayTransport(SubgraphTransport):
    """Answers each request body with the bytes recorded for it, decoded as the real one does."""

    def __init__(self, recorded: Sequence[RecordedRequest]) -> None:
        super().__init__()
        self._answers = {request.body: request.answer_bytes for request in recorded}

    async def fetch(
        self, endpoint: SubgraphEndpoint, payload: dict[str, Any], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        answer: dict[str, Any] = orjson.loads(self._answers[orjson.dumps(payload).decode()])
        return answer


def run_micro(
    supergraph_sdl: str,
    query: str,
    recorded: Sequence[RecordedRequest],
    *,
    iterations: int,
    repeats: int,
) -> dict[str, Any]:
    """Per-call milliseconds of each stage for `query` (a dict ready for the report)."""
    supergraph = load_supergraph(supergraph_sdl)
    config = GatewaySettings()
    served = ServedSupergraph(supergraph, config, {})
    schema = supergraph.api_schema
    document = parse(query)
    prepared = prepare_operation(document, None)
    plan = served.planner.plan(document, None)

    def cache_miss() -> None:
        served.operations = OperationCache(config.operation_cache_size)
        served.operation(query, None)

    timings = {
        "parseMs": _per_call(lambda: parse(query), iterations, repeats),
        "validateMs": _per_call(lambda: validate(schema, document), iterations, repeats),
        "planMs": _per_call(lambda: served.planner.plan(document, None), iterations, repeats),
        "cacheMissMs": _per_call(cache_miss, iterations, repeats),
    }
    served.operation(query, None)
    timings["cacheHitMs"] = _per_call(
        lambda: served.operation(query, None), iterations * 10, repeats
    )
    # What schema usage recording adds to a request (bff/usage/recorder.py: the in-process
    # count; flushing runs in a background thread). Never flushed here: no table is reached.
    recorder = UsageRecorder("unflushed", background=False)

    def record_usage() -> None:
        recorder.record(
            client="bench",
            client_version="1",
            query=query,
            operation_name=None,
            schema=schema,
            prepared=prepared,
            variables=None,
            failed=False,
        )

    timings["recordUsageMs"] = _per_call(record_usage, iterations * 10, repeats)

    endpoints = {
        name: SubgraphEndpoint(name=name, url=info.url)
        for name, info in supergraph.subgraphs.items()
    }
    transport = ReplayTransport(recorded)

    def execute() -> Awaitable[Any]:
        return execute_plan(
            plan,
            operation=prepared,
            variables={},
            schema=schema,
            endpoints=endpoints,
            transport=transport,
        )

    loop = asyncio.new_event_loop()
    try:
        captured = _capture_shaping_input(loop, execute)
        timings["executeRecordedMs"] = _per_call(
            lambda: loop.run_until_complete(execute()), iterations, repeats
        )
        timings["requestRecordedMs"], served = _request_ms(
            loop, supergraph, config, query, transport, iterations, repeats
        )
        timings["subgraphCallMs"] = _fetch_ms(loop, recorded, endpoints, iterations, repeats)
    finally:
        loop.close()
    merged, options = captured
    timings["shapeMs"] = _per_call(
        lambda: executor_module.shape_data(merged, **{**options, "errors": []}),
        iterations,
        repeats,
    )
    answer = executor_module.shape_data(merged, **{**options, "errors": []})
    if served != answer:
        raise RuntimeError("the in-process request answered other data than execute_plan")
    timings["answerBytes"] = len(orjson.dumps({"data": answer}))
    timings["subgraphRequests"] = len(recorded)
    return timings


class _AnsweringPool:
    """A connection pool answering every POST at once with one recorded body (no socket)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], *, limit: int, fresh: bool = False
    ) -> Answer:
        return Answer(200, self.body)


class _PoolessTransport(SubgraphTransport):
    """The real transport over `_AnsweringPool` instead of sockets."""

    def __init__(self, pool: _AnsweringPool) -> None:
        super().__init__()
        self._answering = pool

    def _pool_for_running_loop(self) -> ConnectionPool:
        return self._answering  # type: ignore[return-value]


def _fetch_ms(
    loop: asyncio.AbstractEventLoop,
    recorded: Sequence[RecordedRequest],
    endpoints: Mapping[str, SubgraphEndpoint],
    iterations: int,
    repeats: int,
) -> float:
    """Per-call ms of one subgraph call through the transport's code, answered at once: the
    smallest recorded request (its answer's decoding is the least of it)."""
    request = min(recorded, key=lambda item: len(item.answer_bytes))
    transport = _PoolessTransport(_AnsweringPool(request.answer_bytes))
    endpoint, payload = endpoints[request.service], orjson.loads(request.body)

    async def calls() -> None:
        for _ in range(10):
            await transport.fetch(endpoint, payload, {})

    return _per_call(lambda: loop.run_until_complete(calls()), iterations, repeats) / 10


class _LoadedSupergraph:
    """A provider of one supergraph already loaded (the bench's, not read from a file)."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph

    async def latest(self) -> Supergraph:
        return self.supergraph


def _request_ms(
    loop: asyncio.AbstractEventLoop,
    supergraph: Supergraph,
    config: GatewaySettings,
    query: str,
    transport: SubgraphTransport,
    iterations: int,
    repeats: int,
) -> tuple[float, Any]:
    """Per-call ms of one POST of `query` through the ASGI app, answered from `transport`, and
    the answer's `data`."""
    app = GraphQLApp(Gateway(_LoadedSupergraph(supergraph), config, transport=transport), config)
    body = orjson.dumps({"query": query})
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/json"),
            (b"accept", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    answers: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            answers.append(message["body"])

    # The request's log line is built and dropped, as under `bff serve` at WARNING.
    disabled = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        loop.run_until_complete(app(scope, receive, send))
        answer = orjson.loads(answers[-1])
        if answer.get("errors"):
            raise RuntimeError(f"the in-process request failed: {answers[-1][:500]!r}")
        milliseconds = _per_call(
            lambda: loop.run_until_complete(app(scope, receive, send)), iterations, repeats
        )
    finally:
        logging.disable(disabled)
    return milliseconds, answer.get("data")


def _capture_shaping_input(
    loop: asyncio.AbstractEventLoop, execute: Callable[[], Awaitable[Any]]
) -> tuple[Any, dict[str, Any]]:
    """The merged data and options the executor hands to `shape_data`, from one real run."""
    captured: list[tuple[Any, dict[str, Any]]] = []
    original = executor_module.shape_data

    def recording_shape_data(data: Any, **options: Any) -> Any:
        captured.append((data, options))
        return original(data, **options)

    executor_module.shape_data = recording_shape_data  # type: ignore[assignment]
    try:
        loop.run_until_complete(execute())
    finally:
        executor_module.shape_data = original
    return captured[0]


def _per_call(call: Callable[[], Any], iterations: int, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(iterations):
            call()
        samples.append((time.perf_counter() - started) * 1000 / iterations)
    return statistics.median(samples)
