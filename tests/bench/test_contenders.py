"""The contenders `make bench` adds against ours start, serve the deep query's exact answer, and
have their subgraph requests counted: Grafbase and Hive Gateway with its Rust planner (each with
and without in-flight de-duplication) and our BFF with --workers. Bounded: one query each, one
second of load on two of them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import pytest

from bench.answers import canonical_hash
from bench.floor import FloorRecording, record_floor
from bench.loadtest import LoadPlan, measure
from bench.processes import ProcessPool
from bench.servers import (
    Gateway,
    ServedGraph,
    grafbase_config,
    post_graphql_bytes,
    start_bff_no_dedup,
    start_bff_usage,
    start_bff_workers,
    start_grafbase,
    start_grafbase_dedup,
    start_hive_router,
    start_hive_router_dedup,
    subgraph_requests,
)
from bench.workload import SCENARIOS
from tests.bench.conftest import BenchStack

DEEP = next(scenario for scenario in SCENARIOS if scenario.name == "deep")
STARTERS: dict[str, Callable[[ProcessPool, ServedGraph], Gateway]] = {
    "grafbase": start_grafbase,
    "grafbase-dedup": start_grafbase_dedup,
    "hive-router": start_hive_router,
    "hive-router-dedup": start_hive_router_dedup,
    "bff-workers": start_bff_workers,
    "bff-no-dedup": start_bff_no_dedup,
    "bff-usage": start_bff_usage,
}


@pytest.fixture(scope="module")
def deep_recording(bench_stack: BenchStack) -> FloorRecording:
    return asyncio.run(record_floor(bench_stack.supergraph_sdl, DEEP.query))


@pytest.fixture(scope="module")
def contenders(bench_stack: BenchStack) -> dict[str, Gateway]:
    return {name: start(bench_stack.pool, bench_stack.graph) for name, start in STARTERS.items()}


@pytest.mark.parametrize("name", list(STARTERS))
def test_each_contender_serves_the_deep_answer_and_its_subgraph_requests_are_counted(
    bench_stack: BenchStack,
    deep_recording: FloorRecording,
    contenders: dict[str, Gateway],
    name: str,
) -> None:
    raw, sent = _one_query(bench_stack, contenders[name])
    assert canonical_hash(json.loads(raw)) == canonical_hash(deep_recording.answer)
    # The deep query reaches all four subgraphs, some of them in several stages.
    assert sent >= len(bench_stack.subgraphs)
    if name == "bff-no-dedup":
        assert sent == len(deep_recording.requests)  # every request of our plan, none shared
    if name == "bff-workers":
        # At most our plan's requests, whichever worker ran it (fewer when identical fetches of
        # the plan overlap in time and are shared).
        assert sent <= len(deep_recording.requests)


def _one_query(stack: BenchStack, gateway: Gateway) -> tuple[bytes, int]:
    """The deep query's answer from `gateway` and the subgraph requests it sent for it."""
    before = subgraph_requests(stack.subgraphs)
    raw = post_graphql_bytes(gateway.url, DEEP.query)
    return raw, subgraph_requests(stack.subgraphs) - before


def test_without_de_dup_every_planned_request_is_sent_under_load(
    bench_stack: BenchStack, contenders: dict[str, Gateway]
) -> None:
    plan = LoadPlan(connections=4, warmup_seconds=0, duration_seconds=1.0, rounds=1)
    entry = {
        "expectedHash": canonical_hash(
            json.loads(post_graphql_bytes(bench_stack.bff.url, DEEP.query))
        )
    }
    counted = {}
    for name in ("grafbase", "grafbase-dedup"):
        alone = _one_query(bench_stack, contenders[name])[1]
        run = measure(
            DEEP, entry, contenders[name], bench_stack.subgraphs, plan, bench_stack.work_dir
        )
        assert run["ok"] == run["requests"] > 0
        assert run["mismatches"] == 0
        counted[name] = (run["subgraphRequests"], run["requests"], alone)
    # Queries still in flight when the load stops (at most one per connection) also reach the
    # subgraphs without being answered.
    sent, answered, alone = counted["grafbase"]
    assert alone * answered <= sent <= alone * (answered + plan.connections)
    # With de-dup, concurrent identical subgraph requests may be shared: never more are sent.
    sent, answered, alone = counted["grafbase-dedup"]
    assert sent <= alone * (answered + plan.connections)


def test_grafbase_gets_each_subgraph_url_and_schema_file_and_the_dedup_switch(
    bench_stack: BenchStack,
) -> None:
    text = grafbase_config(bench_stack.subgraphs, dedup=True)
    for item in bench_stack.subgraphs:
        assert f'[subgraphs.{item.source.name}]\nurl = "{item.url}"\n' in text
        assert f'schema_path = "{item.sdl_path}"' in text
    assert "introspection_url" not in text
    assert text.endswith("[traffic_shaping]\ninflight_deduplication = true\n")
    assert "inflight_deduplication = false" in grafbase_config(bench_stack.subgraphs, dedup=False)


def test_the_usage_contender_records_its_queries_in_its_table_and_loads_the_deep_query_only(
    bench_stack: BenchStack, contenders: dict[str, Gateway]
) -> None:
    gateway = contenders["bff-usage"]
    assert gateway.recorded_usage is not None
    assert gateway.loads("deep") and not gateway.loads("small")
    before = gateway.recorded_usage()
    for _ in range(3):
        _one_query(bench_stack, gateway)
    # Counts reach the table with the next flush (every USAGE_FLUSH_SECONDS, 5 s).
    deadline = time.monotonic() + 30
    while gateway.recorded_usage() < before + 3 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert gateway.recorded_usage() >= before + 3
    assert contenders["bff-no-dedup"].recorded_usage is None
