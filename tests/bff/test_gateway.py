"""The gateway: per-version operation cache, atomic supergraph swaps, the registry provider's
polling and fallbacks, variable coercion, and the configuration it builds endpoints from."""

from __future__ import annotations

import asyncio
import threading
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from graphql import DocumentNode

from bff.config import GatewaySettings
from bff.gateway import (
    FileSupergraphProvider,
    Gateway,
    GraphQLRequest,
    GraphQLRequestError,
    OperationCache,
    RejectedOperation,
)
from bff.planning import QueryPlan
from bff.supergraph import Supergraph, load_supergraph
from tests.support.loopback_subgraphs import SUPERGRAPH_FILE, LoopbackSubgraphs

SDL = SUPERGRAPH_FILE.read_text()
STUDENT_URL = "http://students.invalid/graphql"
NAME_QUERY = '{ student(id: "1") { name } }'


@dataclass
class StaticProvider:
    supergraph: Supergraph

    async def latest(self) -> Supergraph:
        return self.supergraph


@pytest.fixture
async def gateway(subgraphs: LoopbackSubgraphs) -> AsyncIterator[Gateway]:
    config = GatewaySettings(
        subgraph_url_overrides=subgraphs.urls, operation_cache_size=2, introspection_enabled=True
    )
    gateway = Gateway(FileSupergraphProvider(SUPERGRAPH_FILE, version=1), config, api_keys={})
    yield gateway
    await gateway.close()


# --- the operation cache ------------------------------------------------------------------


async def test_operations_are_parsed_validated_and_planned_once(gateway: Gateway) -> None:
    served = await gateway.current()
    first = served.operation(NAME_QUERY, None)
    assert served.operation(NAME_QUERY, None) is first
    assert len(served.operations) == 1
    assert first.plan is not None
    assert first.kind == "query"


async def test_the_cache_is_keyed_by_document_and_operation_name(gateway: Gateway) -> None:
    served = await gateway.current()
    document = "query A { __typename } query B { students { id } }"
    a, b = served.operation(document, "A"), served.operation(document, "B")
    assert a is not b
    assert a.plan is None  # graphql-core answers `__typename` alone
    assert b.plan is not None


async def test_the_cache_evicts_the_least_recently_used(gateway: Gateway) -> None:
    served = await gateway.current()
    one, two, three = "{ students { id } }", "{ lessons { id } }", "{ __typename }"
    first = served.operation(one, None)
    served.operation(two, None)
    served.operation(one, None)  # `two` is now the least recently used
    served.operation(three, None)
    assert len(served.operations) == 2
    assert served.operation(one, None) is first


async def test_request_errors_are_cached_as_data_not_as_the_exception(gateway: Gateway) -> None:
    served = await gateway.current()
    with pytest.raises(GraphQLRequestError) as first:
        served.operation("{ nope }", None)
    with pytest.raises(GraphQLRequestError) as second:
        served.operation("{ nope }", None)
    assert len(served.operations) == 1
    assert first.value.errors == second.value.errors
    # A fresh exception per request: a cached one would grow its traceback on every raise.
    assert first.value is not second.value
    first.value.errors.append({"message": "added by a caller"})
    with pytest.raises(GraphQLRequestError) as third:
        served.operation("{ nope }", None)
    assert third.value.errors == second.value.errors


async def _fail_repeatedly(gateway: Gateway, query: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(GraphQLRequestError):
            await gateway.execute(GraphQLRequest(query))


@pytest.mark.parametrize(
    "query",
    [
        "{ nope " + "x " * 20_000 + "}",  # invalid (unknown fields), large
        "{ students { id } " + "}" * 1000,  # a syntax error
    ],
    ids=["invalid", "syntax-error"],
)
async def test_memory_stays_flat_under_repeated_invalid_requests(
    gateway: Gateway, query: str
) -> None:
    await _fail_repeatedly(gateway, query, 5)  # warm: the cache holds the answer now
    tracemalloc.start()
    try:
        await _fail_repeatedly(gateway, query, 10)
        after_ten, _ = tracemalloc.get_traced_memory()
        await _fail_repeatedly(gateway, query, 200)
        after_many, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The query is ~40 KB: keeping anything of it per request would add megabytes here.
    assert after_many - after_ten < 64 * 1024


async def test_introspection_without_variables_is_answered_once_per_version(
    gateway: Gateway,
) -> None:
    query = '{ __type(name: "Student") { name } }'
    first = await gateway.execute(GraphQLRequest(query))
    assert first == {"data": {"__type": {"name": "Student"}}}
    assert await gateway.execute(GraphQLRequest(query)) is first
    with_variables = "query($n: String!) { __type(name: $n) { name } }"
    answer = await gateway.execute(GraphQLRequest(with_variables, variables={"n": "Lesson"}))
    assert answer == {"data": {"__type": {"name": "Lesson"}}}


def test_a_zero_size_cache_keeps_nothing() -> None:
    cache = OperationCache(0)
    cache.put((b"k", None), RejectedOperation(({"message": "x"},)))
    assert len(cache) == 0


# --- variables ----------------------------------------------------------------------------


async def test_variable_defaults_are_applied_before_execution(gateway: Gateway) -> None:
    query = "query($n: Int = 1) { students(first: $n) { name } }"
    assert await gateway.execute(GraphQLRequest(query)) == {"data": {"students": [{"name": "Ada"}]}}
    result = await gateway.execute(GraphQLRequest(query, variables={"n": 2}))
    assert [s["name"] for s in result["data"]["students"]] == ["Ada", "Grace"]


async def test_enum_and_input_variables_are_coerced(gateway: Gateway) -> None:
    query = "query($l: Language) { lessons(language: $l) { title } }"
    result = await gateway.execute(GraphQLRequest(query, variables={"l": "JAVASCRIPT"}))
    assert result == {"data": {"lessons": [{"title": "Closures"}]}}
    with pytest.raises(GraphQLRequestError) as error:
        await gateway.execute(GraphQLRequest(query, variables={"l": "COBOL"}))
    assert error.value.errors[0]["message"].startswith("Variable '$l' has invalid value")


async def test_a_subgraph_that_is_down_gives_partial_data(subgraphs: LoopbackSubgraphs) -> None:
    urls = {**subgraphs.urls, "lessons": "http://127.0.0.1:9/graphql"}
    # The down subgraph refuses at once; the healthy one gets time to answer on a busy machine.
    config = GatewaySettings(subgraph_url_overrides=urls, subgraph_timeout_seconds=10)
    gateway = Gateway(FileSupergraphProvider(SUPERGRAPH_FILE), config, api_keys={})
    try:
        result = await gateway.execute(
            GraphQLRequest('{ student(id: "1") { name } lessons { id } }')
        )
    finally:
        await gateway.close()
    # `lessons` is non-null, so its null propagates to the whole of `data`.
    assert result["data"] is None
    assert [error["extensions"]["code"] for error in result["errors"]] == ["SUBGRAPH_UNAVAILABLE"]


# --- swapping supergraph versions -------------------------------------------------------


@pytest.fixture
async def slow_and_fast_subgraphs() -> AsyncIterator[tuple[str, str, asyncio.Event, asyncio.Event]]:
    """Two one-answer students subgraphs on this test's loop: `/old` says it has the request
    (`arrived`), then answers only once `release` is set."""
    arrived, release = asyncio.Event(), asyncio.Event()

    async def old(_request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.json_response({"data": {"student": {"name": "from v1"}}})

    async def new(_request: web.Request) -> web.Response:
        return web.json_response({"data": {"student": {"name": "from v2"}}})

    app = web.Application()
    app.router.add_post("/old", old)
    app.router.add_post("/new", new)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/old", f"http://127.0.0.1:{port}/new", arrived, release
    release.set()
    await runner.cleanup()


async def test_in_flight_requests_finish_on_the_old_version(slow_and_fast_subgraphs) -> None:
    old_url, new_url, arrived, release = slow_and_fast_subgraphs
    provider = StaticProvider(load_supergraph(SDL.replace(STUDENT_URL, old_url), version=1))
    gateway = Gateway(provider, GatewaySettings(), api_keys={})
    try:
        in_flight = asyncio.ensure_future(gateway.execute(GraphQLRequest(NAME_QUERY)))
        await arrived.wait()  # it runs on version 1 and is now blocked in the subgraph
        provider.supergraph = load_supergraph(SDL.replace(STUDENT_URL, new_url), version=2)
        assert await gateway.execute(GraphQLRequest(NAME_QUERY)) == {
            "data": {"student": {"name": "from v2"}}
        }
        assert gateway.served is not None and gateway.served.version == 2
        release.set()
        assert await in_flight == {"data": {"student": {"name": "from v1"}}}
    finally:
        await gateway.close()


async def test_a_new_version_starts_with_an_empty_cache(gateway: Gateway) -> None:
    old = await gateway.current()
    old.operation(NAME_QUERY, None)
    provider = StaticProvider(load_supergraph(SDL, version=2))
    gateway._provider = provider
    new = await gateway.current()
    assert new is not old
    assert new.version == 2
    assert len(new.operations) == 0


# The registry provider is tested against the registry: tests/bff/test_gateway_registry.py.


# --- endpoints ----------------------------------------------------------------------------


async def test_endpoints_take_urls_keys_and_timeouts_from_configuration() -> None:
    config = GatewaySettings(
        subgraph_api_keys={"students": "k1"},
        subgraph_url_overrides={"lessons": "http://127.0.0.1:1/lessons"},
        subgraph_timeout_seconds=3,
    )
    served = await Gateway(FileSupergraphProvider(SUPERGRAPH_FILE), config).current()
    students, lessons = served.endpoints["students"], served.endpoints["lessons"]
    assert (students.url, students.api_key, students.timeout) == (STUDENT_URL, "k1", 3)
    assert (lessons.url, lessons.api_key) == ("http://127.0.0.1:1/lessons", None)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "{ " + "__typename " * 1000 + "}",
            "The selection set selects '__typename' 1000 times; the maximum for one field is 20.",
        ),
        (
            "{ " + "students { id } " * 800 + "}",
            "The selection set selects 'students' 800 times; the maximum for one field is 20.",
        ),
        ("{ " + "a " * 10_001 + "}", "Syntax Error: Document contains more than 10000 tokens."),
    ],
    ids=["typename", "identical-fields", "tokens"],
)
async def test_document_limits_answer_before_the_spec_validation(
    gateway: Gateway, query: str, message: str
) -> None:
    with pytest.raises(GraphQLRequestError) as error:
        await gateway.execute(GraphQLRequest(query))
    [only] = error.value.errors
    assert only["message"].startswith(message)
    assert only["extensions"]["code"] in ("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED")


# --- planning: budget and worker thread -----------------------------------------------------


async def test_an_operation_over_the_planning_budget_fails_with_query_planning_failed(
    subgraphs: LoopbackSubgraphs,
) -> None:
    config = GatewaySettings(subgraph_url_overrides=subgraphs.urls, planning_max_steps=1)
    gateway = Gateway(FileSupergraphProvider(SUPERGRAPH_FILE, version=1), config, api_keys={})
    sent_before = len(subgraphs.requests)
    try:
        with pytest.raises(GraphQLRequestError) as error:
            await gateway.execute(GraphQLRequest(NAME_QUERY))
        # Refused once, from the cache afterwards, and nothing was fetched.
        with pytest.raises(GraphQLRequestError):
            await gateway.execute(GraphQLRequest(NAME_QUERY))
    finally:
        await gateway.close()
    [only] = error.value.errors
    assert only["extensions"]["code"] == "QUERY_PLANNING_FAILED"
    assert only["message"].startswith("the operation is too expensive to plan")
    assert len(subgraphs.requests) == sent_before


async def test_other_requests_are_answered_while_an_operation_is_being_planned(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = await gateway.current()
    planning, release = threading.Event(), threading.Event()
    plan = served.planner.plan

    def held_plan(document: DocumentNode, operation_name: str | None) -> QueryPlan:
        planning.set()
        release.wait(timeout=60)  # a safety net only: the test releases it
        return plan(document, operation_name)

    monkeypatch.setattr(served.planner, "plan", held_plan)
    expensive = asyncio.create_task(gateway.execute(GraphQLRequest(NAME_QUERY)))
    await asyncio.to_thread(planning.wait, 60)

    trivial = await gateway.execute(GraphQLRequest("{ __typename }"))

    assert trivial == {"data": {"__typename": "Query"}}
    assert not expensive.done()
    release.set()
    assert (await expensive)["data"] == {"student": {"name": "Ada"}}
